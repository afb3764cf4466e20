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
  const rng = makeRng(`${o.name}:${o.seed}`);
  const levels = o.levels ?? 3;
  const k = (levels - 1) / 2;
  const inputBits = o.inputBits ?? 8;
  const signalBits = o.signalBits ?? 8;
  const layers: Layer[] = [];
  let [h, w, c] = o.input;
  let inBits = inputBits;
  o.conv.forEach((oc, i) => {
    const fanIn = 9 * c;
    const biasMax = Math.round(2 * k * (2 ** inBits - 1));
    layers.push({
      kind: "conv2d",
      name: `conv${i}`,
      inChannels: c,
      outChannels: oc,
      kernel: 3,
      padding: 1,
      levels,
      delta: 1 / k,
      weights: fillWeights(rng, oc * 9 * c, k, "random"),
      bias: Array.from({ length: oc }, () => rng.int(-biasMax, biasMax)),
      output: randomRequant(rng, k, inBits, fanIn, biasMax, signalBits),
    });
    layers.push({ kind: "maxpool", name: `pool${i}`, size: 2, stride: 2 });
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    c = oc;
    inBits = signalBits;
  });
  layers.push({ kind: "flatten", name: "flatten0" });
  const nIn = h * w * c;
  layers.push({
    kind: "dense",
    name: "fc0",
    inFeatures: nIn,
    outFeatures: o.classes,
    levels,
    delta: 1 / k,
    weights: fillWeights(rng, nIn * o.classes, k, "random"),
    bias: Array.from({ length: o.classes }, () => rng.int(-100, 100)),
    output: { kind: "logits" },
  });
  return parseNetwork(
    {
      format: "tritforge-qnet",
      version: 1,
      name: o.name,
      input: { shape: [...o.input], bits: inputBits, scale: 1 / (2 ** inputBits - 1) },
      layers,
      provenance: { source: "random", untrained: true, seed: o.seed, tool: "tritforge random", notes: `seeded random CNN conv ${o.conv.join("-")}; untrained` },
    },
    `random network "${o.name}"`,
  );
}
