/**
 * A float model folder: model.json (architecture, training state, results) and weights.bin
 * (float32 weights then biases of every layer, in paramShapes order), plus, while training is
 * unfinished, optimizer.bin (Adam moments, kept unnormalised: m / (1 - beta1), v / (1 - beta2)) and best.bin (the weights of the best validation epoch)
 * so it can resume exactly. A finished model's weights.bin holds its best weights. Every file is
 * written atomically, model.json last.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
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
});

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

/** Saves a model; `resume` (optimizer moments and best weights so far) only while training is unfinished. */
export function saveModel(dir: string, m: FloatModel, resume: { optimizer: Float32Array[]; best: Params | null } | null): void {
  writeFileAtomic(join(dir, "weights.bin"), pack([...m.weights, ...m.biases]));
  if (resume) {
    writeFileAtomic(join(dir, "optimizer.bin"), pack(resume.optimizer));
    if (resume.best) writeFileAtomic(join(dir, "best.bin"), pack([...resume.best.weights, ...resume.best.biases]));
  } else {
    rmSync(join(dir, "optimizer.bin"), { force: true });
    rmSync(join(dir, "best.bin"), { force: true });
  }
  writeFileAtomic(join(dir, "model.json"), JSON.stringify(m.meta, null, 1) + "\n");
}

export const hasModel = (dir: string): boolean => existsSync(join(dir, "model.json"));

export function loadModel(dir: string): FloatModel & { optimizer: Float32Array[] | null; best: Params | null } {
  const file = join(dir, "model.json");
  if (!existsSync(file)) throw new TritforgeError(`no float model in ${dir} (model.json missing)`);
  let meta: ModelMeta;
  try {
    meta = MetaSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch (err) {
    throw new TritforgeError(`${file} is not a tritforge float model: ${(err as Error).message.split("\n")[0]}`);
  }
  const sizes = sizesOf(meta.arch);
  const all = unpack(readFileSync(join(dir, "weights.bin")), [...sizes.w, ...sizes.b], join(dir, "weights.bin"));
  const optFile = join(dir, "optimizer.bin");
  const optSizes = sizes.w.flatMap((w, i) => [w, w, sizes.b[i]!, sizes.b[i]!]);
  const optimizer = existsSync(optFile) ? unpack(readFileSync(optFile), optSizes, optFile) : null;
  const bestFile = join(dir, "best.bin");
  const bestAll = existsSync(bestFile) ? unpack(readFileSync(bestFile), [...sizes.w, ...sizes.b], bestFile) : null;
  const best = bestAll ? { weights: bestAll.slice(0, sizes.w.length), biases: bestAll.slice(sizes.w.length) } : null;
  return { meta, weights: all.slice(0, sizes.w.length), biases: all.slice(sizes.w.length), optimizer, best };
}
