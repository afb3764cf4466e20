/**
 * Seeded random networks in the IR, for tests, benchmarks and an untrained default design.
 * The same options and seed always give the same network.
 */
import { makeRng, type Rng } from "../util/rng.js";
import { parseNetwork } from "./io.js";
import type { Layer, Network } from "./schema.js";

export type WeightFill = "random" | "max" | "min" | "zero";

export interface RandomDenseOptions {
  name: string;
  seed: number;
  /** Layer widths including the input: [784, 128, 128, 10]. */
  sizes: number[];
  inputBits?: number;
  /** Levels per weight layer (one value for all, or one per layer). */
  levels?: number | number[];
  /** Signal bits of each hidden layer's output (one value for all, or one per hidden layer). */
  signalBits?: number | number[];
  /** "max": every weight +K, "min": every weight -K, "zero": all zero, "random": uniform levels with some zeros. */
  fill?: WeightFill;
  /** Largest |bias| as a fraction of one input's worst-case contribution K (2^B - 1); default 4. */
  biasSpan?: number;
}

const perLayer = (v: number | number[], i: number): number => (Array.isArray(v) ? (v[i] ?? v[v.length - 1]!) : v);

function fillWeights(rng: Rng, n: number, k: number, fill: WeightFill): number[] {
  const w = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    w[i] = fill === "max" ? k : fill === "min" ? -k : fill === "zero" ? 0 : rng.int(-k, k);
  }
  return w;
}

/** Picks a requant multiplier/shift that maps a typical accumulator onto the output range, with some saturation. */
function randomRequant(rng: Rng, k: number, inBits: number, fanIn: number, biasMax: number, outBits: number) {
  const xMax = 2 ** inBits - 1;
  const typical = Math.max(1, Math.sqrt(biasMax ** 2 / 3 + (fanIn * k * k * xMax * xMax) / 6));
  const ratio = ((2 ** outBits - 1) / typical) * (0.5 + 2.5 * rng.next());
  const shift = 16;
  const multiplier = Math.max(1, Math.min(2 ** 24, Math.round(ratio * 2 ** shift)));
  return { kind: "requant" as const, multiplier, shift, bits: outBits, scale: 1 / (2 ** outBits - 1) };
}

export function randomDenseNetwork(o: RandomDenseOptions): Network {
  const rng = makeRng(`${o.name}:${o.seed}`);
  const inputBits = o.inputBits ?? 8;
  const fill = o.fill ?? "random";
  const layers: Layer[] = [];
  let inBits = inputBits;
  for (let i = 0; i + 1 < o.sizes.length; i++) {
    const nIn = o.sizes[i]!;
    const nOut = o.sizes[i + 1]!;
    const levels = perLayer(o.levels ?? 3, i);
    const k = (levels - 1) / 2;
    const last = i + 2 === o.sizes.length;
    const biasMax = Math.round((o.biasSpan ?? 4) * k * (2 ** inBits - 1));
    const bias = Array.from({ length: nOut }, () => (fill === "random" ? rng.int(-biasMax, biasMax) : fill === "max" ? biasMax : fill === "min" ? -biasMax : 0));
    const outBits = perLayer(o.signalBits ?? 8, i);
    layers.push({
      kind: "dense",
      name: `fc${i}`,
      inFeatures: nIn,
      outFeatures: nOut,
      levels,
      delta: 1 / k,
      weights: fillWeights(rng, nIn * nOut, k, fill),
      bias,
      output: last ? { kind: "logits" } : randomRequant(rng, k, inBits, nIn, biasMax, outBits),
    });
    if (!last) inBits = outBits;
  }
  return parseNetwork(
    {
      format: "tritforge-qnet",
      version: 1,
      name: o.name,
      input: { shape: [o.sizes[0]], bits: inputBits, scale: 1 / (2 ** inputBits - 1) },
      layers,
      provenance: { source: "random", untrained: true, seed: o.seed, tool: "tritforge random", notes: `seeded random ${o.sizes.join("-")} network, fill=${fill}; untrained` },
    },
    `random network "${o.name}"`,
  );
}

/** Random unsigned input vectors, `count` rows of `size` values in [0, 2^bits - 1]; "max" fills every value with the maximum. */
export function randomInputs(seed: number, count: number, size: number, bits: number, fill: "random" | "max" = "random"): Uint16Array {
  const rng = makeRng(`inputs:${seed}`);
  const max = 2 ** bits - 1;
  const x = new Uint16Array(count * size);
  for (let i = 0; i < x.length; i++) x[i] = fill === "max" ? max : rng.int(0, max);
  return x;
}

/** One layer of a random chain; the last weight layer outputs logits, every other one requantizes. */
export type ChainLayerSpec =
  | { kind: "conv2d"; out: number; kernel: number; padding: number }
  | { kind: "maxpool"; size: number; stride: number }
  | { kind: "flatten" }
  | { kind: "dense"; out: number };

/** Builders of chain layers: conv(out, kernel, padding), pool(size, stride), flatten, dense(out). */
export const chainLayer = {
  conv: (out: number, kernel: number, padding: number): ChainLayerSpec => ({ kind: "conv2d", out, kernel, padding }),
  pool: (size: number, stride: number): ChainLayerSpec => ({ kind: "maxpool", size, stride }),
  flatten: { kind: "flatten" } as ChainLayerSpec,
  dense: (out: number): ChainLayerSpec => ({ kind: "dense", out }),
};

export interface RandomChainOptions {
  name: string;
  seed: number;
  /** [features] or [height, width, channels]. */
  input: number[];
  layers: ChainLayerSpec[];
  inputBits?: number;
  levels?: number;
  signalBits?: number;
  fill?: WeightFill;
}

/** A seeded random network of any layer chain (conv2d, maxpool, flatten, dense), validated. */
export function randomChainNetwork(o: RandomChainOptions): Network {
  const rng = makeRng(`${o.name}:${o.seed}`);
  const levels = o.levels ?? 3;
  const k = (levels - 1) / 2;
  const fill = o.fill ?? "random";
  const inputBits = o.inputBits ?? 8;
  const signalBits = o.signalBits ?? 8;
  const lastWeight = o.layers.reduce((last, l, i) => (l.kind === "conv2d" || l.kind === "dense" ? i : last), -1);
  const layers: Layer[] = [];
  let shape = [...o.input];
  let inBits = inputBits;
  o.layers.forEach((spec, i) => {
    const name = `${spec.kind}${i}`;
    if (spec.kind === "maxpool") {
      layers.push({ kind: "maxpool", name, size: spec.size, stride: spec.stride });
      const [h, w, c] = shape as [number, number, number];
      shape = [Math.floor((h - spec.size) / spec.stride) + 1, Math.floor((w - spec.size) / spec.stride) + 1, c];
      return;
    }
    if (spec.kind === "flatten") {
      layers.push({ kind: "flatten", name });
      shape = [shape.reduce((a, b) => a * b, 1)];
      return;
    }
    const last = i === lastWeight;
    const inC = shape[shape.length - 1]!;
    const fanIn = spec.kind === "conv2d" ? spec.kernel * spec.kernel * inC : shape[0]!;
    const biasMax = Math.round(2 * k * (2 ** inBits - 1));
    const bias = Array.from({ length: spec.out }, () => rng.int(-biasMax, biasMax));
    const weights = fillWeights(rng, spec.out * fanIn, k, fill);
    const output = last ? { kind: "logits" as const } : randomRequant(rng, k, inBits, fanIn, biasMax, signalBits);
    const common = { name, levels, delta: 1 / k, weights, bias, output };
    if (spec.kind === "conv2d") {
      layers.push({ kind: "conv2d", inChannels: inC, outChannels: spec.out, kernel: spec.kernel, padding: spec.padding, ...common });
      const [h, w] = shape as [number, number, number];
      shape = [h + 2 * spec.padding - spec.kernel + 1, w + 2 * spec.padding - spec.kernel + 1, spec.out];
    } else {
      layers.push({ kind: "dense", inFeatures: shape[0]!, outFeatures: spec.out, ...common });
      shape = [spec.out];
    }
    inBits = signalBits;
  });
  return parseNetwork(
    {
      format: "tritforge-qnet",
      version: 1,
      name: o.name,
      input: { shape: [...o.input], bits: inputBits, scale: 1 / (2 ** inputBits - 1) },
      layers,
      provenance: { source: "random", untrained: true, seed: o.seed, tool: "tritforge random", notes: `seeded random chain ${o.layers.map((l) => l.kind).join("-")}, fill=${fill}; untrained` },
    },
    `random network "${o.name}"`,
  );
}

export interface RandomConvOptions {
  name: string;
  seed: number;
  /** [height, width, channels] of the input image. */
  input: [number, number, number];
  /** Output channels of each 3x3 (padding 1) convolution; each is followed by a 2x2 max-pool. */
  conv: number[];
  classes: number;
  inputBits?: number;
  levels?: number;
  signalBits?: number;
}

/** A seeded random CNN: [conv3x3(p=1) -> requant -> maxpool2] * n -> flatten -> dense logits. */
export function randomConvNetwork(o: RandomConvOptions): Network {
  const layers = [...o.conv.flatMap((out) => [chainLayer.conv(out, 3, 1), chainLayer.pool(2, 2)]), chainLayer.flatten, chainLayer.dense(o.classes)];
  return randomChainNetwork({ ...o, input: [...o.input], layers });
}
