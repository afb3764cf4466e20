/**
 * Export of a float network plus quantization choices to the integer IR (numeric contract):
 *  - weights q = quantizeArray(w, delta, M), delta = optimalDelta(w, M) unless given;
 *  - biases b_int = round(b / (delta * s_in)), s_in the scale of the signal the layer reads
 *    (inputScale for the first weight layer, then the previous weight layer's output scale;
 *    maxpool and flatten keep the scale);
 *  - hidden weight layers requantize to `signalBits` bits at scale s_out with
 *    (m, sh) = requantParams(delta * s_in / s_out, accMax), accMax as in src/ir/analyze.ts;
 *  - the last layer outputs its accumulators as logits (real value acc * delta * s_in).
 * Layers are named fc0, fc1, ..., conv0, ..., pool0, ..., flatten0, ... in order.
 */
import { weightInfos } from "../ir/analyze.js";
import { parseNetwork } from "../ir/io.js";
import { IR_FORMAT, IR_VERSION, type Layer, type Network, type Provenance, type WeightLayer } from "../ir/schema.js";
import { TritforgeError } from "../util/errors.js";
import { requantParams } from "./requant.js";
import { levelsK, optimalDelta, quantizeArray, roundHalfAway } from "./uniform.js";

export type FloatLayer =
  | { kind: "dense"; inFeatures: number; outFeatures: number; weights: Float32Array /* [out][in] */; bias: Float32Array }
  | {
      kind: "conv2d";
      inChannels: number;
      outChannels: number;
      kernel: number;
      padding: number;
      weights: Float32Array /* [out][kh][kw][in] */;
      bias: Float32Array;
    }
  | { kind: "maxpool"; size: number; stride: number }
  | { kind: "flatten" };

export type FloatWeightLayer = Extract<FloatLayer, { kind: "dense" | "conv2d" }>;

export interface ExportSpec {
  name: string;
  /** [features] or [height, width, channels] (HWC). */
  inputShape: number[];
  inputBits: number;
  /** Real input = x * inputScale (1/255 for 8-bit pixels in [0, 1]). */
  inputScale: number;
  /** The last one is the (logits) weight layer. */
  layers: FloatLayer[];
  /** Levels M per weight layer (or one for all). */
  levels: number | number[];
  /** Weight steps per weight layer; default optimalDelta of that layer's weights. */
  deltas?: number[];
  /** Bits of every hidden weight layer's output. */
  signalBits: number;
  /** Per hidden weight layer (all weight layers but the last): real value of one output step. */
  signalScales: number[];
  provenance: Provenance;
}

export const isFloatWeightLayer = (l: FloatLayer): l is FloatWeightLayer => l.kind === "dense" || l.kind === "conv2d";

const positive = (x: number): boolean => x > 0 && Number.isFinite(x);

/** The scale of the signal each weight layer reads: inputScale, then the previous hidden scale. */
export function inputScales(inputScale: number, signalScales: readonly number[], weightLayers: number): number[] {
  return Array.from({ length: weightLayers }, (_, i) => (i === 0 ? inputScale : signalScales[i - 1]!));
}

export function exportNetwork(spec: ExportSpec): Network {
  const where = `export of "${spec.name}"`;
  const fail = (msg: string): never => {
    throw new TritforgeError(`${where}: ${msg}`);
  };
  const weightLayers = spec.layers.filter(isFloatWeightLayer);
  const nW = weightLayers.length;
  if (nW === 0) fail("the network has no dense or conv2d layer");
  if (!positive(spec.inputScale)) fail(`inputScale must be a positive finite number, got ${spec.inputScale}`);
  if (!Number.isInteger(spec.signalBits) || spec.signalBits < 1 || spec.signalBits > 16) fail(`signalBits must be an integer in [1, 16], got ${spec.signalBits}`);
  const levels = typeof spec.levels === "number" ? new Array<number>(nW).fill(spec.levels) : spec.levels;
  if (levels.length !== nW) fail(`levels lists ${levels.length} values for ${nW} weight layers`);
  levels.forEach((m) => levelsK(m));
  if (spec.deltas && spec.deltas.length !== nW) fail(`deltas lists ${spec.deltas.length} values for ${nW} weight layers`);
  spec.deltas?.forEach((d, i) => positive(d) || fail(`deltas[${i}] must be a positive finite number, got ${d}`));
  if (spec.signalScales.length !== nW - 1) fail(`signalScales lists ${spec.signalScales.length} values; expected one per hidden weight layer (${nW - 1})`);
  spec.signalScales.forEach((s, i) => positive(s) || fail(`signalScales[${i}] must be a positive finite number, got ${s}`));

  const sIn = inputScales(spec.inputScale, spec.signalScales, nW);
  const counters = { fc: 0, conv: 0, pool: 0, flatten: 0 };
  let wi = 0;
  const layers: Layer[] = spec.layers.map((fl): Layer => {
    switch (fl.kind) {
      case "maxpool":
        return { kind: "maxpool", name: `pool${counters.pool++}`, size: fl.size, stride: fl.stride };
      case "flatten":
        return { kind: "flatten", name: `flatten${counters.flatten++}` };
      case "dense":
      case "conv2d": {
        const i = wi++;
        const name = fl.kind === "dense" ? `fc${counters.fc++}` : `conv${counters.conv++}`;
        const [nOut, nWeights] =
          fl.kind === "dense" ? [fl.outFeatures, fl.outFeatures * fl.inFeatures] : [fl.outChannels, fl.outChannels * fl.kernel * fl.kernel * fl.inChannels];
        if (fl.weights.length !== nWeights) fail(`${name} has ${fl.weights.length} weights, its shape needs ${nWeights}`);
        if (fl.bias.length !== nOut) fail(`${name} has ${fl.bias.length} biases for ${nOut} outputs`);
        const m = levels[i]!;
        const delta = spec.deltas?.[i] ?? optimalDelta(fl.weights, m);
        const weights = Array.from(quantizeArray(fl.weights, delta, m));
        const accScale = delta * sIn[i]!;
        const bias = Array.from(fl.bias, (b, j) => {
          if (!Number.isFinite(b)) fail(`${name}.bias[${j}] is ${b}`);
          const v = roundHalfAway(b / accScale) + 0;
          if (!Number.isSafeInteger(v)) fail(`${name}.bias[${j}] = ${b} is too large at accumulator scale ${accScale}`);
          return v;
        });
        const output =
          i === nW - 1
            ? { kind: "logits" as const }
            : { kind: "requant" as const, multiplier: 1, shift: 1, bits: spec.signalBits, scale: spec.signalScales[i]! }; // (m, sh) set below
        const common = { name, levels: m, delta, weights, bias, output };
        return fl.kind === "dense"
          ? { kind: "dense", inFeatures: fl.inFeatures, outFeatures: fl.outFeatures, ...common }
          : { kind: "conv2d", inChannels: fl.inChannels, outChannels: fl.outChannels, kernel: fl.kernel, padding: fl.padding, ...common };
      }
    }
  });

  const draft: Network = {
    format: IR_FORMAT,
    version: IR_VERSION,
    name: spec.name,
    input: { shape: [...spec.inputShape], bits: spec.inputBits, scale: spec.inputScale },
    layers,
    provenance: spec.provenance,
  };
  // Shapes, lengths and ranges first (one-line error naming the field), then the accumulator bounds.
  const net = parseNetwork(draft, where);
  weightInfos(net).forEach((info, i) => {
    const layer: WeightLayer = info.layer;
    if (layer.output.kind !== "requant") return;
    const ratio = (layer.delta * sIn[i]!) / layer.output.scale;
    let params;
    try {
      params = requantParams(ratio, info.accMax);
    } catch (err) {
      return fail(`${layer.name}: ${(err as Error).message}`);
    }
    layer.output = { ...layer.output, ...params };
  });
  return parseNetwork(net, where);
}
