/**
 * The bundle contract: the zod schema of a hardware bundle's `manifest.json` ("tritforge-hw" v2).
 * The generator writes it (every number in it comes from the architecture's plan); everyone else
 * (simulators, cost model, report, board flows) reads it through `loadManifest` / `parseManifest`
 * and never re-derives a width, depth or cycle count.
 *
 * What each architecture alone understands (its own structural detail) sits under `structure` and
 * is validated by that architecture; `features` are the numbers its cost model prices.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ProvenanceSchema } from "../../ir/schema.js";
import { TritforgeError } from "../../util/errors.js";

export const MANIFEST_FORMAT = "tritforge-hw";
export const MANIFEST_VERSION = 2;

const int = z.number().int().nonnegative();
const pos = z.number().int().positive();
/** A plain Verilog identifier (what tool scripts may name as a module). */
export const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/**
 * A file of the bundle: a relative path of plain names inside it (each starting with a letter,
 * digit or _, then letters, digits, _ . -; no "..", no absolute path, no spaces or control
 * characters), so it can be pasted into a tool script as it is.
 */
export const BUNDLE_PATH_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}){0,7}$/;
const id = z.string().regex(IDENTIFIER_RE, "must be a Verilog identifier");
const bundlePath = z.string().regex(BUNDLE_PATH_RE, "must be a relative path of plain names inside the bundle");

export const PortSchema = z.strictObject({
  name: id,
  direction: z.enum(["input", "output"]),
  width: pos,
});

/** AXI4-Stream interface of the top module, as the testbench and board flows drive it. */
export const InterfaceSchema = z.strictObject({
  clock: id,
  reset: z.strictObject({ port: id, activeLow: z.boolean() }),
  /** s_axis: one input value per beat. */
  input: z.strictObject({
    prefix: id,
    tdataBits: pos,
    /** Bits of the value carried in tdata (zero-extended to tdataBits). */
    valueBits: pos,
    /** Beats per inference. */
    beats: pos,
    /** The port has tlast (on each inference's last beat). */
    tlast: z.boolean(),
    /** Input values packed in one beat (value j in bits [j*valueBits +: valueBits]); absent = 1. */
    valuesPerBeat: pos.optional(),
  }),
  /** m_axis: one logit per beat (two's complement), tlast on the last, class on tuser. */
  output: z.strictObject({
    prefix: id,
    tdataBits: pos,
    /** Bits of the logit carried in tdata (sign-extended to tdataBits); absent: tdataBits. */
    valueBits: pos.optional(),
    tuserBits: pos,
    /** tuser bits holding the class (the bits above it are flags: bit classBits = an input image was dropped since the previous packet); absent: tuserBits. */
    classBits: pos.optional(),
    beats: pos,
  }),
  /** Sticky status output (input framing error), cleared only by reset; absent: none. */
  status: id.optional(),
  /** Module parameter naming the folder of the ROM images ($readmemh), default "mem/"; absent: none. */
  memDirParam: id.optional(),
  /** Every port of the top module, in declaration order. */
  ports: z.array(PortSchema).min(1),
});

export const MemorySchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(["rom", "ram"]),
  role: z.enum(["weights", "bias", "activations", "logits", "other"]),
  /** Weight-layer index the memory belongs to, or null for shared memories. */
  layer: int.nullable(),
  depth: pos,
  width: pos,
  bits: int,
  /** Bits per word that are not constant zero (synthesis drops the rest, e.g. idle lanes). */
  usedWidth: pos,
  /** ROM image, relative to the bundle (null for RAMs and registers). */
  file: bundlePath.nullable(),
  /** Style attribute the RTL puts on the memory ("block" forces block RAM); absent: left to the tool. */
  style: z.enum(["block", "distributed"]).optional(),
});

export const NetworkShapeSchema = z.strictObject({
  name: z.string().min(1),
  /** SHA-256 of network.json as written: the bundle's network file must be this one. */
  digest: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hex digest"),
  input: z.strictObject({ shape: z.array(pos).min(1), features: pos, bits: pos }),
  classes: pos,
  /** The weight layers as the hardware computes them (after any lowering). */
  layers: z
    .array(
      z.strictObject({
        name: z.string(),
        kind: z.string(),
        inFeatures: pos,
        outFeatures: pos,
        levels: pos,
        weightBits: pos,
        accBits: pos,
        outBits: pos,
      }),
    )
    .min(1),
  provenance: ProvenanceSchema,
});

export const TimingSchema = z.strictObject({
  /** Cycles from an inference's first input beat to its last output beat (no back-pressure). */
  latency: pos,
  /** Cycles between the starts of successive inferences when the source never stalls. */
  interval: pos,
  /** The compute-bound lower bound the architecture compares itself with. */
  ideal: pos,
});

export const ManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  name: z.string().min(1),
  top: id,
  arch: z.strictObject({ id: z.string().min(1), params: z.record(z.string(), z.unknown()) }),
  files: z.strictObject({
    rtl: z.array(bundlePath).min(1),
    mem: z.array(bundlePath),
    testbench: bundlePath,
    network: bundlePath,
  }),
  interface: InterfaceSchema,
  network: NetworkShapeSchema,
  memories: z.array(MemorySchema),
  timing: TimingSchema,
  /** Structural features for the architecture's cost model (see cost/analytic.ts). */
  features: z.record(z.string(), z.number()),
  /** Architecture-specific detail, validated by the architecture itself. */
  structure: z.record(z.string(), z.unknown()),
  provenance: z.strictObject({ tool: z.literal("tritforge"), toolVersion: z.string() }),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestMemory = z.infer<typeof MemorySchema>;
export type ManifestInterface = z.infer<typeof InterfaceSchema>;
export type NetworkShape = z.infer<typeof NetworkShapeSchema>;

/** "a.b[2].c" from a zod issue path. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

/** Validates a parsed object against `schema`, or throws one line naming `where` and the field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issuePath(issue.path);
  throw new TritforgeError(`${where}: ${path ? `${path}: ` : ""}${issue.message}`);
}

/** Validates a parsed manifest object; `where` names it in error messages. */
export function parseManifest(value: unknown, where: string): Manifest {
  if (value !== null && typeof value === "object" && "version" in value && (value as { version: unknown }).version !== MANIFEST_VERSION && (value as { format?: unknown }).format === MANIFEST_FORMAT)
    throw new TritforgeError(`${where}: version: ${String((value as { version: unknown }).version)} is an older bundle format (expected ${MANIFEST_VERSION}): regenerate the bundle with npm run gen-rtl`);
  return parseWith(ManifestSchema, value, where);
}

/** Reads and validates a JSON file with one-line errors (missing, empty, truncated, invalid). */
export function readJsonFile(file: string, what: string): unknown {
  if (!existsSync(file)) throw new TritforgeError(`${what}: ${file} not found`);
  const text = readFileSync(file, "utf8");
  if (text.trim() === "") throw new TritforgeError(`${file} is empty`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TritforgeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Loads `<bundleDir>/manifest.json`, with one-line errors for a missing, malformed or invalid file. */
export function loadManifest(bundleDir: string): Manifest {
  const file = join(bundleDir, "manifest.json");
  if (!existsSync(file)) throw new TritforgeError(`${bundleDir} is not a hardware bundle: ${file} not found (generate one with npm run gen-rtl)`);
  return parseManifest(readJsonFile(file, bundleDir), file);
}
