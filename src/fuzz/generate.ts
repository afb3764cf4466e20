/**
 * Random valid fuzz cases: a dense network drawn from everything the IR schema allows (1-6 weight
 * layers, widths 1-1,100, M odd 3-255, input and signal bits 1-16, requant shifts 0-62 and
 * multipliers 1-2^24 within the 2^52 product bound, biases up to the 2^40 accumulator bound, extreme
 * weight fills), lanes P 1-1,024, input vectors with extremes, sometimes random stalls. Sizes and
 * P are drawn log-uniformly, then P is lowered to the widest output and the widest layers halved
 * until the case fits a simulation budget (so wide layers come with narrow neighbours). The same
 * seed and index always give the same case.
 */
import { parseNetwork } from "../ir/io.js";
import type { DenseLayer, Network, Requant } from "../ir/schema.js";
import { makeRng, type Rng } from "../util/rng.js";

export const LIMITS = { depth: [1, 6], width: [1, 1100], lanes: [1, 1024], levels: [3, 255], bits: [1, 16], shift: [0, 62] } as const;

export interface FuzzBudget {
  /**
   * Largest simulation work of one inference, in lane-cycles: sum over layers of
   * ceil(N_out/P) P N_in (an event-driven simulator spends about this much per inference).
   */
  laneCycles: number;
  /** Vectors per case. */
  vectors: number;
}

export const DEFAULT_BUDGET: FuzzBudget = { laneCycles: 12_000, vectors: 2 };

export interface FuzzCase {
  seed: number;
  index: number;
  net: Network;
  lanes: number;
  /** Sample-major input values, `vectors` rows. */
  inputs: number[];
  vectors: number;
  /** Percent of cycles the testbench stalls both streams (0: cycles are checked exactly). */
  stall: number;
}

/** Integer in [lo, hi], log-uniform (small values as likely per octave as large ones). */
export function logInt(rng: Rng, lo: number, hi: number): number {
  const v = Math.floor(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi + 1) - Math.log(lo))));
  return Math.min(hi, Math.max(lo, v));
}

const laneCycles = (sizes: number[], lanes: number) => sizes.slice(1).reduce((s, n, i) => s + Math.ceil(n / lanes) * lanes * sizes[i]!, 0);

/** Layer sizes and lanes that fit the budget: P lowered first (less padding), then the widest layers halved. */
function fit(sizes: number[], lanes: number, b: FuzzBudget): { sizes: number[]; lanes: number } {
  const s = [...sizes];
  let p = lanes;
  for (;;) {
    if (laneCycles(s, p) <= b.laneCycles) return { sizes: s, lanes: p };
    const fewer = Math.max(...s.slice(1));
    if (p > fewer) p = Math.max(1, fewer); // lanes beyond the widest output are pure padding
    else {
      const widest = s.indexOf(Math.max(...s));
      s[widest] = Math.max(1, Math.floor(s[widest]! / 2));
    }
  }
}

function levelsOf(rng: Rng): number {
  const r = rng.next();
  if (r < 0.4) return 3;
  if (r < 0.55) return 255;
  return 2 * logInt(rng, 1, 127) + 1;
}

type Fill = "random" | "sparse" | "max" | "min" | "alternating";
function weightsOf(rng: Rng, n: number, k: number, fill: Fill): number[] {
  const w = new Array<number>(n);
  for (let i = 0; i < n; i++)
    w[i] = fill === "max" ? k : fill === "min" ? -k : fill === "alternating" ? (i % 2 ? k : -k) : fill === "sparse" ? (rng.next() < 0.9 ? 0 : rng.pick([-k, k])) : rng.int(-k, k);
  return w;
}

/** A requantization valid for the worst-case accumulator: shift from 0-62 (lowered until the 2^52 bound holds). */
function requantOf(rng: Rng, accMax: number, typical: number, outBits: number): Requant {
  const bound = 2 ** 52;
  const valid = (m: number, sh: number) => accMax * m + (sh > 0 ? 2 ** (sh - 1) : 0) < bound;
  let shift: number;
  let multiplier: number;
  if (rng.next() < 0.6) {
    // Sensible: a typical accumulator lands within the output range (with some saturation).
    shift = rng.int(LIMITS.shift[0], LIMITS.shift[1]);
    const ratio = ((2 ** outBits - 1) / Math.max(1, typical)) * (0.3 + 3 * rng.next());
    multiplier = Math.round(ratio * 2 ** shift);
    while ((multiplier > 2 ** 24 || !valid(multiplier, shift)) && shift > 0) {
      shift--;
      multiplier = Math.round(ratio * 2 ** shift);
    }
  } else {
    // Anything the schema allows: saturating, vanishing, one-to-one.
    shift = rng.int(LIMITS.shift[0], LIMITS.shift[1]);
    multiplier = logInt(rng, 1, 2 ** 24);
  }
  multiplier = Math.min(2 ** 24, Math.max(1, multiplier));
  while (!valid(multiplier, shift) && multiplier > 1) multiplier = Math.max(1, Math.floor(multiplier / 2));
  while (!valid(multiplier, shift)) shift--;
  return { kind: "requant", multiplier, shift, bits: outBits, scale: 1 / (2 ** outBits - 1) };
}

export function fuzzCase(seed: number, index: number, budget: FuzzBudget = DEFAULT_BUDGET): FuzzCase {
  const rng = makeRng(`fuzz:${seed}:${index}`);
  const depth = rng.int(LIMITS.depth[0], LIMITS.depth[1]);
  const drawn = Array.from({ length: depth + 1 }, () => logInt(rng, LIMITS.width[0], LIMITS.width[1]));
  const { sizes, lanes } = fit(drawn, logInt(rng, LIMITS.lanes[0], LIMITS.lanes[1]), budget);
  const inputBits = rng.int(LIMITS.bits[0], LIMITS.bits[1]);
  const layers: DenseLayer[] = [];
  let inBits = inputBits;
  for (let i = 0; i < depth; i++) {
    const nIn = sizes[i]!;
    const nOut = sizes[i + 1]!;
    const levels = levelsOf(rng);
    const k = (levels - 1) / 2;
    const fill = rng.pick<Fill>(["random", "random", "random", "sparse", "max", "min", "alternating"]);
    const reach = k * (2 ** inBits - 1) * nIn;
    // Biases up to a few times the reach of the products, within the 2^40 accumulator bound.
    const biasMax = Math.min(2 ** 40 - reach, Math.floor(reach * rng.pick([0, 0.1, 1, 4])));
    const bias = Array.from({ length: nOut }, () => (biasMax > 0 ? rng.int(-biasMax, biasMax) : 0));
    const accMax = bias.reduce((m, b) => Math.max(m, Math.abs(b)), 0) + reach;
    const last = i === depth - 1;
    const outBits = rng.int(LIMITS.bits[0], LIMITS.bits[1]);
    const typical = Math.sqrt(biasMax ** 2 / 3 + (nIn * k * k * (2 ** inBits - 1) ** 2) / 6);
    layers.push({
      kind: "dense",
      name: `fc${i}`,
      inFeatures: nIn,
      outFeatures: nOut,
      levels,
      delta: 1 / Math.max(1, k),
      weights: weightsOf(rng, nIn * nOut, k, fill),
      bias,
      output: last ? { kind: "logits" } : requantOf(rng, accMax, typical, outBits),
    });
    if (!last) inBits = outBits;
  }
  const net = parseNetwork(
    {
      format: "tritforge-qnet",
      version: 1,
      name: `fuzz_${seed}_${index}`,
      input: { shape: [sizes[0]], bits: inputBits, scale: 1 / (2 ** inputBits - 1) },
      layers,
      provenance: { source: "random", untrained: true, seed, tool: "tritforge fuzz", notes: `fuzz case ${index} of seed ${seed}` },
    },
    `fuzz case ${index}`,
  );
  const max = 2 ** inputBits - 1;
  const inputs: number[] = [];
  for (let v = 0; v < budget.vectors; v++) for (let j = 0; j < sizes[0]!; j++) inputs.push(v === 0 ? max : v === 1 && budget.vectors > 2 ? rng.pick([0, max]) : rng.int(0, max));
  const stall = rng.next() < 0.2 ? rng.int(1, 60) : 0;
  return { seed, index, net, lanes, inputs, vectors: budget.vectors, stall };
}
