/**
 * The dataflow requantizer, narrowed to the accumulators a layer can reach. clamp((acc * m +
 * 2^(sh-1)) >> sh, 0, 2^B - 1) is a non-decreasing step function of acc, fixed on the reachable range
 * [lo, hi] by its 2^B - 1 step positions (thresholds T_k). Two things follow:
 *  - the product only needs the bits of acc * m + r over [lo, hi] (not of the widest accumulator);
 *  - any rounding constant r' with T_k m + r' >= k 2^sh > (T_k - 1) m + r' for every threshold inside
 *    the range (and the matching one-sided condition for thresholds outside it) gives the same
 *    integer for every reachable acc. The one with the most trailing zero bits (after adding the
 *    CSD tree's corrections for negative terms) makes the constant's adder narrowest, or removes it.
 * The network's 2^(sh-1) always qualifies, so the result is never wider. Ranges small enough to
 * enumerate are checked value by value as well.
 */
import { signedBits } from "../../ir/analyze.js";
import type { DenseLayer } from "../../ir/schema.js";
import { csdTerms } from "../common/csd.js";
import type { RequantPlan } from "../common/requant.js";
import { requantAdderBits } from "./requant.js";

/** Accumulator range of a layer's rows (N_out rows of N_in weights; conv: k*k*C_in per output channel) for inputs in [0, xMax]: per row, bias plus its extreme sums. */
export function accRange(layer: Pick<DenseLayer, "weights" | "bias" | "inFeatures" | "outFeatures">, xMax: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let o = 0; o < layer.outFeatures; o++) {
    let neg = 0;
    let pos = 0;
    for (let j = 0; j < layer.inFeatures; j++) {
      const w = layer.weights[o * layer.inFeatures + j]!;
      if (w < 0) neg += w;
      else pos += w;
    }
    lo = Math.min(lo, layer.bias[o]! + neg * xMax);
    hi = Math.max(hi, layer.bias[o]! + pos * xMax);
  }
  return [lo, hi];
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return q * b !== a && (a < 0n) !== (b < 0n) ? q - 1n : q;
};
const ceilDiv = (a: bigint, b: bigint): bigint => -floorDiv(-a, b);

/** Thresholds as lower bounds (r' >= a - c m') and upper bounds (r' <= b - u m') on r' for a shift. */
function bounds(thresholds: bigint[], lo: bigint, hi: bigint, shift: number) {
  const lower: Array<[bigint, bigint]> = [];
  const upper: Array<[bigint, bigint]> = [];
  const p = 1n << BigInt(shift);
  thresholds.forEach((t, i) => {
    const k = BigInt(i + 1);
    if (t <= lo) lower.push([k * p, lo]);
    else if (t > hi) upper.push([k * p - 1n, hi]);
    else {
      lower.push([k * p, t]);
      upper.push([k * p - 1n, t - 1n]);
    }
  });
  return { lower, upper };
}

/** The feasible r' interval for a multiplier, or null. */
function rInterval(b: ReturnType<typeof bounds>, m: bigint): [bigint, bigint] | null {
  let rLo = -(1n << 200n);
  let rHi = 1n << 200n;
  for (const [a, c] of b.lower) if (a - c * m > rLo) rLo = a - c * m;
  for (const [bb, u] of b.upper) if (bb - u * m < rHi) rHi = bb - u * m;
  return rLo <= rHi ? [rLo, rHi] : null;
}

/** The value in [lo, hi] with the most trailing zero bits (0 if the interval holds it). */
function mostTrailingZeros(lo: bigint, hi: bigint): bigint {
  if (lo <= 0n && 0n <= hi) return 0n;
  for (let j = 200; j >= 0; j--) {
    const p = 1n << BigInt(j);
    const v = ceilDiv(lo, p) * p;
    if (v <= hi) return v;
  }
  return lo;
}

function planFor(m: bigint, shift: number, r: bigint, outBits: number, lo: bigint, hi: bigint): RequantPlan {
  const terms = csdTerms(Number(m));
  const ends = [lo * m + r, hi * m + r].map((v) => (v < 0n ? -v : v));
  const maxAbs = ends[0]! > ends[1]! ? ends[0]! : ends[1]!;
  const productBits = Math.max(signedBits(Number(maxAbs)), shift + outBits + 2);
  return { multiplier: Number(m), shift, outBits, terms, productBits, roundConst: Number(r) };
}

const requantOf = (acc: bigint, m: bigint, r: bigint, shift: number, outBits: number): bigint => {
  const y = floorDiv(acc * m + r, 1n << BigInt(shift));
  const top = (1n << BigInt(outBits)) - 1n;
  return y < 0n ? 0n : y > top ? top : y;
};

const cache = new Map<string, RequantPlan>();

/** Outputs wider than this keep the network's rounding constant (the bounds have 2^B - 1 terms). */
export const MAX_SEARCH_BITS = 8;

/** The network's requantizer on the reachable range [accLo, accHi]: narrowest product, best rounding constant (memoised). */
export function equivalentRequant(multiplier: number, shift: number, outBits: number, accLo: number, accHi: number): RequantPlan {
  const key = `${multiplier},${shift},${outBits},${accLo},${accHi}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const m = BigInt(multiplier);
  const r0 = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
  const lo = BigInt(accLo);
  const hi = BigInt(accHi);
  let r = r0;
  if (outBits <= MAX_SEARCH_BITS) {
    // Level k's threshold: the least acc with acc * m + r0 >= k 2^sh.
    const thresholds = Array.from({ length: (1 << outBits) - 1 }, (_, i) => ceilDiv(BigInt(i + 1) * (1n << BigInt(shift)) - r0, m));
    const ri = rInterval(bounds(thresholds, lo, hi, shift), m);
    if (!ri || ri[0] > r0 || ri[1] < r0) throw new Error(`equivalentRequant: the network's rounding constant is outside its own interval (m ${multiplier}, sh ${shift})`);
    const neg = csdTerms(multiplier).reduce((acc, t) => (t.sign < 0 ? acc + (1n << BigInt(t.shift)) : acc), 0n);
    r = mostTrailingZeros(ri[0] + neg, ri[1] + neg) - neg;
  }
  const best = planFor(m, shift, r, outBits, lo, hi);
  if (hi - lo <= 1n << 18n)
    for (let a = lo; a <= hi; a++)
      if (requantOf(a, m, r, shift, outBits) !== requantOf(a, m, r0, shift, outBits))
        throw new Error(`equivalentRequant: rounding constant ${r} differs from ${r0} at acc ${a} (m ${multiplier}, sh ${shift})`);
  cache.set(key, best);
  return best;
}
