/**
 * Sweep configuration (sweeps/NAME.json): a grid of architectures crossed with precisions, validated
 * with zod before any training starts. Every rejection names the path of the bad field.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";
import type { Architecture, DatasetName } from "./trainer.js";

/** Training images in each supported data set (both are 60,000-image, 28x28 grayscale). */
export const TRAIN_IMAGES: Record<DatasetName, number> = { "fashion-mnist": 60000, mnist: 60000 };
export const IMAGE_SIDE = 28;
/** Spatial reduction of one CNN stage (conv, then 2x2 max-pooling). */
export const POOL = 2;

const int = () => z.number().int();
const width = () => int().min(1, "a layer needs at least 1 unit").max(8192, "wider than 8192 units is not a sweep point");

const FfdnnGridSchema = z.strictObject({
  kind: z.literal("ffdnn"),
  /** Hidden-layer widths; every hidden layer of a point has the same width. */
  widths: z.array(width()).min(1, "empty grid: give at least one width"),
  /** Number of hidden layers. */
  depths: z.array(int().min(1).max(16)).min(1, "empty grid: give at least one depth"),
});

const CnnGridSchema = z
  .strictObject({
    kind: z.literal("cnn"),
    /** Feature maps of each conv stage, e.g. [4, 4, 8]; each stage is conv then 2x2 max-pooling. */
    conv: z
      .array(z.array(int().min(1, "a conv layer needs at least 1 feature map").max(1024)).min(1, "a CNN needs at least one conv layer"))
      .min(1, "empty grid: give at least one conv configuration"),
    /** Hidden dense layers after the conv stack (may be empty), shared by every conv configuration. */
    dense: z.array(width()).default([]),
  })
  .superRefine((g, ctx) => {
    g.conv.forEach((maps, i) => {
      if (IMAGE_SIDE / POOL ** maps.length < 1)
        ctx.addIssue({
          code: "custom",
          path: ["conv", i],
          message: `${maps.length} conv+pool stages shrink a ${IMAGE_SIDE}x${IMAGE_SIDE} image below one pixel`,
        });
    });
  });

export const SweepConfigSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "name must be lower-case letters, digits and dashes"),
    dataset: z.enum(["fashion-mnist", "mnist"]),
    seeds: z.array(int().min(0)).min(1, "empty grid: give at least one seed"),
    grid: z.discriminatedUnion("kind", [FfdnnGridSchema, CnnGridSchema]),
    float: z.strictObject({
      epochs: int().min(1),
      batchSize: int().min(1).optional(),
      learningRate: z.number().positive().optional(),
    }),
    /** Quantization levels M of the quantized precisions (odd): 15 = 4-bit, 7 = 3-bit, 3 = ternary. */
    levels: z
      .array(int().min(3).max(255).refine((m) => m % 2 === 1, "levels must be odd (symmetric around 0)"))
      .min(1, "empty grid: give at least one precision"),
    /** Bits of the hidden activations of the integer model. */
    signalBits: int().min(2).max(16).default(8),
    retrain: z.strictObject({
      /** 0 means direct quantization only. */
      epochs: int().min(0),
      learningRate: z.number().positive().optional(),
      /** Export the direct weights when they beat the retrained ones on the validation split. */
      keepDirect: z.boolean().optional(),
    }),
    /** Train on the first N training images only (tiny CI sweeps). */
    trainLimit: int().min(1).optional(),
    backend: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    const images = TRAIN_IMAGES[c.dataset];
    if (c.trainLimit !== undefined && c.trainLimit > images)
      ctx.addIssue({ code: "custom", path: ["trainLimit"], message: `${c.dataset} has only ${images} training images` });
    const n = c.trainLimit ?? images;
    if (c.float.batchSize !== undefined && c.float.batchSize > n)
      ctx.addIssue({ code: "custom", path: ["float", "batchSize"], message: `batch of ${c.float.batchSize} is larger than the ${n} training images` });
    if (new Set(c.levels).size !== c.levels.length) ctx.addIssue({ code: "custom", path: ["levels"], message: "levels repeat a value" });
    if (new Set(c.seeds).size !== c.seeds.length) ctx.addIssue({ code: "custom", path: ["seeds"], message: "seeds repeat a value" });
  });

export type SweepConfig = z.infer<typeof SweepConfigSchema>;

/** Validates a parsed config; the error names the first bad field by its path. */
export function parseSweepConfig(value: unknown, source = "(config)"): SweepConfig {
  const r = SweepConfigSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.length ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") : "(root)";
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : "";
  throw new TritforgeError(`${source}: ${path}: ${issue.message}${more}`);
}

export function loadSweepConfig(file: string): SweepConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new TritforgeError(`cannot read sweep config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TritforgeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseSweepConfig(value, file);
}

/** The architectures of the grid, in a stable order (small to large within each axis). */
export function architectures(c: SweepConfig): Architecture[] {
  const g = c.grid;
  if (g.kind === "ffdnn") return g.depths.flatMap((d) => g.widths.map((w): Architecture => ({ kind: "ffdnn", hidden: Array<number>(d).fill(w) })));
  return g.conv.map((conv): Architecture => ({ kind: "cnn", conv: [...conv], dense: [...g.dense] }));
}

export function describeArch(a: Architecture): string {
  return a.kind === "ffdnn" ? `ffdnn ${a.hidden[0]}x${a.hidden.length}` : `cnn ${a.conv.join("-")}${a.dense.length ? `+${a.dense.join("-")}` : ""}`;
}

/** Weights of an architecture (3x3 convolutions, 2x2 pooling per stage, 10 classes): orders work small to large. */
export function archWeights(a: Architecture): number {
  const chain = (sizes: number[]) => sizes.slice(1).reduce((acc, n, i) => acc + n * sizes[i]!, 0);
  if (a.kind === "ffdnn") return chain([IMAGE_SIDE * IMAGE_SIDE, ...a.hidden, 10]);
  let conv = 0;
  let inMaps = 1;
  for (const m of a.conv) {
    conv += 9 * inMaps * m;
    inMaps = m;
  }
  const side = Math.floor(IMAGE_SIDE / POOL ** a.conv.length);
  return conv + chain([side * side * inMaps, ...a.dense, 10]);
}
