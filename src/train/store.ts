/**
 * A float model folder: model.json (architecture, training state, results) and the weights file
 * (float32 weights then biases of every layer, in paramShapes order), plus, while training is
 * unfinished, the optimizer file (Adam moments, kept unnormalised: m / (1 - beta1), v / (1 - beta2))
 * and the best file (the weights of the best validation epoch) so it can resume exactly. A finished
 * model's weights file holds its best weights.
 *
 * A checkpoint is one atomic unit: data files are named by their content (`weights-<sha256>.bin`),
 * written first, and model.json, written atomically last, names them with their hashes and sizes.
 * A kill at any moment leaves model.json naming a complete earlier set (the newer files are strays,
 * removed by the next save), so a resume rolls back to the last complete checkpoint; a data file
 * that does not match its hash on load is refused, never mixed in. (Folders written before hashes
 * were recorded hold weights.bin, optimizer.bin, best.bin and still load, unchecked.)
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { paramShapes, type Architecture } from "./arch.js";
import type { EpochInfo } from "./loop.js";

const dataShape = {
  input: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]).optional(),
  classes: z.number().int().min(2).optional(),
};
const ArchSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("ffdnn"), hidden: z.array(z.number().int().min(1)).min(1), ...dataShape }),
  z.strictObject({ kind: z.literal("cnn"), conv: z.array(z.number().int().min(1)).min(1), dense: z.array(z.number().int().min(1)), ...dataShape }),
]);

const FileRefSchema = z.strictObject({ file: z.string().regex(/^(weights|optimizer|best)-[0-9a-f]{64}\.bin$/), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0) });
const FilesSchema = z.strictObject({ weights: FileRefSchema, optimizer: FileRefSchema.optional(), best: FileRefSchema.optional() });

const MetaSchema = z.strictObject({
  format: z.literal("tritforge-float-model"),
  version: z.literal(1),
  arch: ArchSchema,
  dataset: z.string(),
  seed: z.number().int(),
  status: z.enum(["training", "done"]),
  epochsPlanned: z.number().int().min(1),
  epochsDone: z.number().int().min(0),
  adamSteps: z.number().int().min(0),
  bestValidationAccuracy: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  seconds: z.number(),
  backend: z.string(),
  trainLimit: z.number().int().nullable(),
  /** The remaining settings that decide the weights (absent in folders made before they were recorded). */
  settings: z.strictObject({ epochs: z.number().int(), batchSize: z.number().int(), learningRate: z.number(), patience: z.number().int() }).optional(),
  history: z.array(z.object({ loss: z.number(), trainAccuracy: z.number(), validationAccuracy: z.number().nullable(), seconds: z.number(), samplesPerSecond: z.number() })),
  /** The data files of this checkpoint with their content hashes (absent in folders of older versions). */
  files: FilesSchema.optional(),
});
type FileRef = z.infer<typeof FileRefSchema>;
type Files = z.infer<typeof FilesSchema>;

export type ModelMeta = z.infer<typeof MetaSchema>;
export type { EpochInfo };

export interface FloatModel {
  meta: ModelMeta;
  weights: Float32Array[];
  biases: Float32Array[];
}

function pack(arrays: Float32Array[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return new Uint8Array(out.buffer);
}

function unpack(buf: Buffer, sizes: number[], file: string): Float32Array[] {
  const total = sizes.reduce((s, n) => s + n, 0);
  if (buf.length !== total * 4) throw new TritforgeError(`${file} holds ${buf.length} bytes, expected ${total * 4}`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const out: Float32Array[] = [];
  let o = 0;
  for (const n of sizes) {
    out.push(all.slice(o, o + n));
    o += n;
  }
  return out;
}

const sizesOf = (arch: Architecture) => {
  const shapes = paramShapes(arch);
  return { w: shapes.map((s) => s.shape.reduce((a, b) => a * b, 1)), b: shapes.map((s) => s.biasLength) };
};

export interface Params {
  weights: Float32Array[];
  biases: Float32Array[];
}

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const DATA_FILE = /^(weights|optimizer|best)(-[0-9a-f]{64})?\.bin$/;

/** Writes one data file under its content name (unchanged content: the file is already there). */
function putData(dir: string, kind: keyof Files, data: Uint8Array): FileRef {
  const hash = sha256(data);
  const file = `${kind}-${hash}.bin`;
  const path = join(dir, file);
  if (!existsSync(path) || statSync(path).size !== data.length) writeFileAtomic(path, data);
  return { file, sha256: hash, bytes: data.length };
}

/** Throws a one-line error if `dir` exists and is not a folder (e.g. --model-dir naming a file). */
export function checkModelDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new TritforgeError(`model folder ${dir} is a file, not a folder`);
}

/**
 * Saves a checkpoint (see the top of this file); `resume` (optimizer moments and best weights so
 * far) only while training is unfinished. The `files` of `m.meta` are replaced.
 */
export function saveModel(dir: string, m: FloatModel, resume: { optimizer: Float32Array[]; best: Params | null } | null): void {
  checkModelDir(dir);
  const files: Files = { weights: putData(dir, "weights", pack([...m.weights, ...m.biases])) };
  if (resume) {
    files.optimizer = putData(dir, "optimizer", pack(resume.optimizer));
    if (resume.best) files.best = putData(dir, "best", pack([...resume.best.weights, ...resume.best.biases]));
  }
  writeFileAtomic(join(dir, "model.json"), JSON.stringify({ ...m.meta, files }, null, 1) + "\n");
  const keep = new Set(Object.values(files).map((f) => f.file));
  for (const name of readdirSync(dir)) if (DATA_FILE.test(name) && !keep.has(name)) rmSync(join(dir, name), { force: true });
}

export const hasModel = (dir: string): boolean => existsSync(join(dir, "model.json"));

/** Reads a data file, checking it against model.json's hash (a legacy folder: the fixed name, unchecked). */
function readData(dir: string, kind: keyof Files, files: Files | undefined): Buffer | null {
  const ref = files?.[kind];
  if (files && !ref) return null;
  const path = join(dir, ref?.file ?? `${kind}.bin`);
  if (!existsSync(path)) {
    if (ref) throw new TritforgeError(`checkpoint ${dir} is torn: ${ref.file} named by model.json is missing; remove the folder to train again`);
    return null;
  }
  const buf = readFileSync(path);
  if (ref && (buf.length !== ref.bytes || sha256(buf) !== ref.sha256))
    throw new TritforgeError(`checkpoint ${dir} is torn or corrupt: ${ref.file} does not match the hash in model.json; remove the folder to train again`);
  return buf;
}

export function loadModel(dir: string): FloatModel & { optimizer: Float32Array[] | null; best: Params | null } {
  checkModelDir(dir);
  const file = join(dir, "model.json");
  if (!existsSync(file)) throw new TritforgeError(`no float model in ${dir} (model.json missing)`);
  let meta: ModelMeta;
  try {
    meta = MetaSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch (err) {
    throw new TritforgeError(`${file} is not a tritforge float model: ${(err as Error).message.split("\n")[0]}`);
  }
  const sizes = sizesOf(meta.arch);
  const weightsFile = join(dir, meta.files?.weights.file ?? "weights.bin");
  const weights = readData(dir, "weights", meta.files);
  if (!weights) throw new TritforgeError(`no weights in ${dir} (${weightsFile} missing)`);
  const all = unpack(weights, [...sizes.w, ...sizes.b], weightsFile);
  const optSizes = sizes.w.flatMap((w, i) => [w, w, sizes.b[i]!, sizes.b[i]!]);
  const opt = readData(dir, "optimizer", meta.files);
  const optimizer = opt ? unpack(opt, optSizes, join(dir, meta.files?.optimizer?.file ?? "optimizer.bin")) : null;
  const bestBuf = readData(dir, "best", meta.files);
  const bestAll = bestBuf ? unpack(bestBuf, [...sizes.w, ...sizes.b], join(dir, meta.files?.best?.file ?? "best.bin")) : null;
  const best = bestAll ? { weights: bestAll.slice(0, sizes.w.length), biases: bestAll.slice(sizes.w.length) } : null;
  return { meta, weights: all.slice(0, sizes.w.length), biases: all.slice(sizes.w.length), optimizer, best };
}
