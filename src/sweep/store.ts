/**
 * The result store: an append-only JSON-lines file, one complete record per line.
 *
 * Crash safety: a record is appended with a single write of the whole line, then fsync'ed. A crash
 * can only leave a torn last line (no newline, or not valid JSON); readers ignore it and the next
 * append truncates it first. Appends from several processes on one machine take a lock file.
 * Merging stores dedupes by point id; records of the same point whose deterministic content differs
 * are reported as conflicts (the first is kept), never silently dropped.
 */
import { accessSync, closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, statSync, ftruncateSync, writeSync, readSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";
import { ensureWritableDir, writeFileAtomic } from "../util/fs.js";
import { withLock } from "./lock.js";
import { canonicalJson } from "./points.js";

export const RECORD_VERSION = 1;

const ArchSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("ffdnn"), hidden: z.array(z.number().int()) }),
  z.strictObject({ kind: z.literal("cnn"), conv: z.array(z.number().int()), dense: z.array(z.number().int()) }),
]);
const FloatSpecSchema = z.strictObject({
  kind: z.literal("float"),
  dataset: z.enum(["fashion-mnist", "mnist"]),
  arch: ArchSchema,
  seed: z.number().int(),
  epochs: z.number().int(),
  batchSize: z.number().int().optional(),
  learningRate: z.number().optional(),
  trainLimit: z.number().int().optional(),
});
const QuantSpecSchema = z.strictObject({
  kind: z.literal("quant"),
  float: FloatSpecSchema,
  levels: z.number().int(),
  signalBits: z.number().int(),
  retrainEpochs: z.number().int(),
  learningRate: z.number().optional(),
  keepDirect: z.literal(true).optional(),
});

const AccuracySchema = z.strictObject({ accuracy: z.number().min(0).max(1), weightMemoryBits: z.number() });

const common = {
  v: z.literal(RECORD_VERSION),
  id: z.string().regex(/^[0-9a-f]{16}$/),
  sweep: z.string(),
  /** Timing and provenance: not part of the deterministic content. */
  seconds: z.number().min(0),
  backend: z.string(),
  host: z.string(),
  finishedAt: z.string(),
};

export const FloatRecordSchema = z.strictObject({
  ...common,
  kind: z.literal("float"),
  spec: FloatSpecSchema,
  result: z.strictObject({
    testAccuracy: z.number().min(0).max(1),
    parameters: z.number().int(),
    weightCount: z.number().int(),
    /** 32 bits per weight. */
    weightMemoryBits: z.number(),
    epochs: z.number().int(),
  }),
});

export const QuantRecordSchema = z.strictObject({
  ...common,
  kind: z.literal("quant"),
  floatId: z.string(),
  spec: QuantSpecSchema,
  result: z.strictObject({
    floatAccuracy: z.number().min(0).max(1),
    parameters: z.number().int(),
    weightCount: z.number().int(),
    levels: z.number().int(),
    /** ceil(log2 M): what the ROMs store. */
    bitsPerWeight: z.number().int(),
    /** log2 M: the information-theoretic figure, reported beside the stored one. */
    idealBitsPerWeight: z.number(),
    direct: AccuracySchema,
    retrained: AccuracySchema.nullable(),
    /** keepDirect points: which weights `retrained` holds, the validation scores that chose them, the other candidate's test accuracy. */
    selection: z
      .strictObject({
        chosen: z.enum(["direct", "retrained"]),
        validation: z.strictObject({ direct: z.number().min(0).max(1), retrained: z.number().min(0).max(1) }),
        rejectedTestAccuracy: z.number().min(0).max(1),
      })
      .optional(),
  }),
});

export const PointRecordSchema = z.discriminatedUnion("kind", [FloatRecordSchema, QuantRecordSchema]);
export type FloatRecord = z.infer<typeof FloatRecordSchema>;
export type QuantRecord = z.infer<typeof QuantRecordSchema>;
export type PointRecord = z.infer<typeof PointRecordSchema>;

export interface StoreContents {
  records: PointRecord[];
  /** True when the last line was torn by a crash (ignored). */
  tornTail: boolean;
  /** 1-based numbers of other lines that are not valid records (ignored). */
  badLines: number[];
}

/** Throws a one-line error if `path` exists and is not a file (a store must be a JSON-lines file). */
function checkStoreFile(path: string): void {
  if (existsSync(path) && !statSync(path).isFile()) throw new TritforgeError(`store ${path} is a folder, not a JSON-lines file`);
}

/**
 * Throws a one-line error unless records can be appended to the store (checked before any
 * training): it is a file or missing, and its folder (which also holds its lock and claims) is writable.
 */
export function checkStoreWritable(path: string): void {
  checkStoreFile(path);
  ensureWritableDir(dirname(path));
  if (!existsSync(path)) return;
  try {
    accessSync(path, constants.W_OK);
    closeSync(openSync(path, "r+"));
  } catch (err) {
    throw new TritforgeError(`store ${path} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads a store; a missing file is an empty store. Torn or invalid lines are ignored and reported. */
export function readStore(path: string): StoreContents {
  if (!existsSync(path)) return { records: [], tornTail: false, badLines: [] };
  checkStoreFile(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new TritforgeError(`cannot read store ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = text.split("\n");
  const last = lines.pop() ?? "";
  const records: PointRecord[] = [];
  const badLines: number[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const rec = parseLine(line);
    if (rec) records.push(rec);
    else badLines.push(i + 1);
  });
  // A last line without its newline never finished writing, even if it happens to parse.
  return { records, tornTail: last.length > 0, badLines };
}

function parseLine(line: string): PointRecord | null {
  try {
    const r = PointRecordSchema.safeParse(JSON.parse(line));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Cuts a torn tail (bytes after the last newline) off the file. Returns the bytes removed. */
function repairTail(fd: number, size: number): number {
  if (size === 0) return 0;
  const chunk = Buffer.alloc(Math.min(size, 1 << 16));
  let end = size;
  // Scan back for the last newline.
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (idx >= 0) {
      const keep = start + idx + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}

/** Appends one record as one fsync'ed line, first cutting off any torn tail left by a crash. */
export async function appendRecord(path: string, record: PointRecord): Promise<void> {
  const line = `${JSON.stringify(PointRecordSchema.parse(record))}\n`;
  ensureWritableDir(dirname(path));
  await withLock(`${path}.lock`, () => {
    const fd = openSync(path, "a+");
    try {
      repairTail(fd, statSync(path).size);
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** The part of a record that a deterministic rerun reproduces (no timing, host or backend). */
export function recordContent(r: PointRecord): string {
  return canonicalJson({ id: r.id, kind: r.kind, spec: r.spec, result: r.result });
}

export interface MergeResult {
  records: PointRecord[];
  /** Records read from the inputs. */
  read: number;
  /** Same id and same content as a record already kept. */
  duplicates: number;
  /** Same id, different content: the first is kept, the ids listed here. */
  conflicts: string[];
}

/** Merges record lists in order: the first record of each id is kept. */
export function mergeRecords(lists: PointRecord[][]): MergeResult {
  const kept = new Map<string, PointRecord>();
  const conflicts: string[] = [];
  let read = 0;
  let duplicates = 0;
  for (const list of lists)
    for (const r of list) {
      read++;
      const prev = kept.get(r.id);
      if (!prev) kept.set(r.id, r);
      else if (recordContent(prev) === recordContent(r)) duplicates++;
      else conflicts.push(r.id);
    }
  return { records: [...kept.values()], read, duplicates, conflicts };
}

/** Merges stores into `into` (its own records first), written atomically. */
export function mergeStores(inputs: string[], into: string): MergeResult & { tornInputs: string[] } {
  for (const f of inputs) if (!existsSync(f)) throw new TritforgeError(`store ${f} does not exist`);
  const contents = [into, ...inputs].map((f) => ({ f, c: readStore(f) }));
  const m = mergeRecords(contents.map(({ c }) => c.records));
  writeFileAtomic(into, m.records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return { ...m, tornInputs: contents.filter(({ c }) => c.tornTail || c.badLines.length).map(({ f }) => f) };
}

/** Lines of a store that were skipped: invalid lines and a torn last line. */
export const skippedLines = (c: StoreContents): number => c.badLines.length + (c.tornTail ? 1 : 0);

/** Ids of the finished points in a store. */
export const finishedIds = (records: PointRecord[]): Set<string> => new Set(records.map((r) => r.id));
