/**
 * The quantized-network IR (format "tritforge-qnet", version 1).
 *
 * One JSON document describes a network in the integer domain of the numeric contract
 * (../../ARCHITECTURE.md, "Numeric contract"). Everything downstream of training (reference model,
 * RTL generator, cost model) reads only this.
 *
 * Tensor layouts (all row-major):
 *  - activations of image networks are HWC (height, width, channel), as in TF.js; `flatten` is the
 *    identity on that memory order, so a dense layer after it sees index (h * W + w) * C + c.
 *  - dense weights:  [outFeatures][inFeatures]
 *  - conv2d weights: [outChannels][kernel][kernel][inChannels]
 */
import { z } from "zod";

export const IR_FORMAT = "tritforge-qnet";
export const IR_VERSION = 1;

const int = () => z.number().int();

/**
 * Names and words that reach generated files. A network name becomes a Verilog module name, file
 * and folder names and tool scripts: a C-style identifier of at most 64 characters. Layer names go
 * into Verilog comments and the manifest: letters, digits and `_ . - : /`, at most 64 characters.
 * The data set (a name or a folder path) and the split go into the bundle README: one line without
 * markup (see DATASET_RE), at most 256 and 64 characters. Other free text (tool, notes, dates, metric names)
 * is one line of printable characters. So anything that loads can be generated, linted and scripted.
 */
export const NAME_MAX = 64;
export const NETWORK_NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
export const LAYER_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/;
const WORD_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** A data set: a built-in name or a folder path (letters, digits, space and _ . / : @ + -; no markup, one line). */
export const DATASET_RE = /^[A-Za-z0-9_./:@+-][A-Za-z0-9_./:@+ -]*$/;
export const DATASET_MAX = 256;

/** Why `dataset` cannot be recorded as a network's data set (null when it can). */
export function datasetIssue(dataset: string): string | null {
  if (!DATASET_RE.test(dataset)) return "must be a data set name or a folder path of letters, digits, spaces and _ . / : @ + - (one line)";
  if (dataset.length > DATASET_MAX) return `must be at most ${DATASET_MAX} characters, got ${dataset.length}`;
  return null;
}
const ONE_LINE_RE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

/** Why `name` cannot name a network (null when it can). */
export function networkNameIssue(name: string): string | null {
  if (!NETWORK_NAME_RE.test(name)) return "must be an identifier (a letter, then letters, digits or _)";
  if (name.length > NAME_MAX) return `must be at most ${NAME_MAX} characters, got ${name.length}`;
  return null;
}

const networkName = () => z.string().superRefine((s, ctx) => {
  const why = networkNameIssue(s);
  if (why) ctx.addIssue({ code: "custom", message: `name ${why}` });
});
const layerName = () =>
  z.string().min(1).max(NAME_MAX, `at most ${NAME_MAX} characters`).regex(LAYER_NAME_RE, "layer names use letters, digits and _ . - : / only");
const word = (what: string) => z.string().max(NAME_MAX, `at most ${NAME_MAX} characters`).regex(WORD_RE, `${what} uses letters, digits and _ . - only`);
const oneLine = (max: number) => z.string().max(max, `at most ${max} characters`).regex(ONE_LINE_RE, "must be one line of printable characters");

/** An unsigned signal: integers in [0, 2^bits - 1] standing for real values x * scale. */
export const SignalSchema = z.strictObject({
  bits: int().min(1).max(16),
  scale: z.number().positive(),
});

/** Hidden-layer output: x = clamp((acc * multiplier + 2^(shift-1)) >> shift, 0, 2^bits - 1). */
export const RequantSchema = z.strictObject({
  kind: z.literal("requant"),
  multiplier: int().min(1).max(2 ** 24),
  shift: int().min(0).max(62),
  bits: int().min(1).max(16),
  /** Real value of one output step (s_l); informational, the integers above are normative. */
  scale: z.number().positive(),
});

/** Output layer: the raw accumulators are the logits. */
export const LogitsSchema = z.strictObject({ kind: z.literal("logits") });

export const LayerOutputSchema = z.discriminatedUnion("kind", [RequantSchema, LogitsSchema]);

const weightFields = {
  /** Number of quantization levels M (odd); weights are integers in [-(M-1)/2, (M-1)/2]. */
  levels: int().min(3).max(255).refine((m) => m % 2 === 1, "levels must be odd"),
  /** Real value of one weight step (Delta_l). */
  delta: z.number().positive(),
  weights: z.array(int()),
  /** Biases at accumulator scale: round(b / (delta * s_in)). */
  bias: z.array(int()),
  output: LayerOutputSchema,
};

export const DenseSchema = z.strictObject({
  kind: z.literal("dense"),
  name: layerName(),
  inFeatures: int().min(1),
  outFeatures: int().min(1),
  ...weightFields,
});

export const Conv2dSchema = z.strictObject({
  kind: z.literal("conv2d"),
  name: layerName(),
  inChannels: int().min(1),
  outChannels: int().min(1),
  kernel: int().min(1),
  /** Zero padding on every side; stride is 1. */
  padding: int().min(0),
  ...weightFields,
});

export const MaxPoolSchema = z.strictObject({
  kind: z.literal("maxpool"),
  name: layerName(),
  size: int().min(1),
  stride: int().min(1),
});

export const FlattenSchema = z.strictObject({
  kind: z.literal("flatten"),
  name: layerName(),
});

export const LayerSchema = z.discriminatedUnion("kind", [
  DenseSchema,
  Conv2dSchema,
  MaxPoolSchema,
  FlattenSchema,
]);

/**
 * How a network was made, completely enough for `npm run reproduce` to make it again: the command
 * and every flag that decides the result (`flags`), and what it was made with (`environment`).
 * A reproduction must equal the network byte for byte except `environment`, which names the
 * commit, date and machine and is reported, never compared.
 */
export const RecipeSchema = z.strictObject({
  command: z.enum(["train", "make-random-model"]),
  /** Canonical flag values by flag name without "--", defaults included; `backend` is the one that ran. */
  flags: z.record(z.string(), z.string()),
  environment: z.strictObject({
    tritforge: z.string(),
    /** git HEAD of the checkout that made it (null outside git) and whether tracked files matched it. */
    commit: z.string().nullable(),
    clean: z.boolean().nullable(),
    node: z.string(),
    v8: z.string(),
    platform: z.string(),
    cpu: z.string(),
    /** Installed versions of the packages the numbers depend on (TF.js kernels, RNG, MNIST data). */
    packages: z.record(z.string(), z.string()),
    /** TF.js backend detail, e.g. "wasm-simd" (which wasm binary ran). */
    backend: z.string().optional(),
    /** sha256 of each data set used (train and test images and labels, as loaded). */
    data: z.record(z.string(), z.string()).optional(),
    createdAt: z.string(),
  }),
});

export const ProvenanceSchema = z.strictObject({
  /** How the network was made: "trained" (tritforge train), "random" (seeded generator), "file". */
  source: z.enum(["trained", "random", "file"]),
  /** True when the weights were never trained: accuracy numbers are meaningless. */
  untrained: z.boolean(),
  dataset: z
    .string()
    .superRefine((d, ctx) => {
      const why = datasetIssue(d);
      if (why) ctx.addIssue({ code: "custom", message: `dataset ${why}` });
    })
    .optional(),
  seed: int().optional(),
  /** The command that made it (kept in the order producers write it, so a model loads and saves byte for byte). */
  tool: oneLine(256).optional(),
  /** Accuracy of the integer model (i.e. of the hardware) on a labelled split. */
  accuracy: z
    .strictObject({
      split: word("split"),
      samples: int().min(1),
      correct: int().min(0),
      value: z.number().min(0).max(1),
    })
    .refine((a) => a.correct <= a.samples, { message: "correct must not exceed samples", path: ["correct"] })
    .optional(),
  /** Further measured numbers (e.g. float and direct-quantized accuracy), by name. */
  metrics: z.record(oneLine(NAME_MAX), z.number()).optional(),
  createdAt: oneLine(NAME_MAX).optional(),
  notes: oneLine(4096).optional(),
  recipe: RecipeSchema.optional(),
});

export const NetworkSchema = z.strictObject({
  format: z.literal(IR_FORMAT),
  version: z.literal(IR_VERSION),
  name: networkName(),
  input: z.strictObject({
    /** [features] for dense networks, [height, width, channels] for image networks. */
    shape: z.array(int().min(1)).min(1).max(3),
    bits: int().min(1).max(16),
    scale: z.number().positive(),
  }),
  layers: z.array(LayerSchema).min(1),
  provenance: ProvenanceSchema,
});

export type Signal = z.infer<typeof SignalSchema>;
export type Requant = z.infer<typeof RequantSchema>;
export type LayerOutput = z.infer<typeof LayerOutputSchema>;
export type DenseLayer = z.infer<typeof DenseSchema>;
export type Conv2dLayer = z.infer<typeof Conv2dSchema>;
export type MaxPoolLayer = z.infer<typeof MaxPoolSchema>;
export type FlattenLayer = z.infer<typeof FlattenSchema>;
export type Layer = z.infer<typeof LayerSchema>;
export type WeightLayer = DenseLayer | Conv2dLayer;
export type Provenance = z.infer<typeof ProvenanceSchema>;
export type Recipe = z.infer<typeof RecipeSchema>;
export type Network = z.infer<typeof NetworkSchema>;
