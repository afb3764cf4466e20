/**
 * Symmetric uniform weight quantizer with M (odd) levels, K = (M - 1) / 2: a weight w becomes the
 * integer q = clamp(round(w / delta), -K, K) (round half away from zero) standing for q * delta.
 *
 * `optimalDelta` finds the step that minimises the L2 error sum (q(w) * delta - w)^2 exactly
 * (Sung, Shin, Hwang 2015); see ./l2-search.ts for the method.
 */
import { TritforgeError } from "../util/errors.js";
import { minimiseL2Step } from "./l2-search.js";

/** Checks M is an odd integer in [3, 255] and returns K = (M - 1) / 2. */
export function levelsK(levels: number): number {
  if (!Number.isInteger(levels) || levels < 3 || levels > 255 || levels % 2 !== 1)
    throw new TritforgeError(`quantization levels must be an odd integer in [3, 255], got ${levels}`);
  return (levels - 1) / 2;
}

function checkDelta(delta: number): void {
  if (!(delta > 0 && Number.isFinite(delta))) throw new TritforgeError(`quantization step delta must be a positive finite number, got ${delta}`);
}

/** Rounds half away from zero (so +-0.5 -> +-1, symmetric for weights of either sign). */
export const roundHalfAway = (x: number): number => (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));

function level(w: number, delta: number, k: number): number {
  const q = roundHalfAway(w / delta);
  return q > k ? k : q < -k ? -k : q;
}

/** clamp(round(w / delta), -K, K), rounding half away from zero. */
export function quantizeLevel(w: number, delta: number, levels: number): number {
  const k = levelsK(levels);
  checkDelta(delta);
  if (!Number.isFinite(w)) throw new TritforgeError(`cannot quantize the non-finite weight ${w}`);
  return level(w, delta, k) + 0; // + 0 turns -0 into 0
}

/** The level of every weight (fits Int8: K <= 127). */
export function quantizeArray(w: ArrayLike<number>, delta: number, levels: number): Int8Array {
  const k = levelsK(levels);
  checkDelta(delta);
  const out = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (!Number.isFinite(x)) throw new TritforgeError(`cannot quantize the non-finite weight ${x} at index ${i}`);
    out[i] = level(x, delta, k);
  }
  return out;
}

/** Sum of squared errors sum (Q(w) * delta - w)^2. */
export function quantizationError(w: ArrayLike<number>, delta: number, levels: number): number {
  const k = levelsK(levels);
  checkDelta(delta);
  let e = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    const d = level(x, delta, k) * delta - x;
    e += d * d;
  }
  return e;
}

/**
 * The step delta > 0 minimising quantizationError(w, delta, levels), exactly up to floating-point
 * rounding of the error (relative ~1e-12). Zero weights never matter (their level is 0 for any
 * step). All-zero or empty input: returns 1, and every level is 0.
 */
export function optimalDelta(w: ArrayLike<number>, levels: number): number {
  const k = levelsK(levels);
  let nonzero = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (!Number.isFinite(x)) throw new TritforgeError(`cannot quantize the non-finite weight ${x} at index ${i}`);
    if (x !== 0) nonzero++;
  }
  if (nonzero === 0) return 1;
  const a = new Float64Array(nonzero);
  for (let i = 0, j = 0; i < w.length; i++) if (w[i] !== 0) a[j++] = Math.abs(w[i]!);
  a.sort();
  return minimiseL2Step(a, k).delta;
}
