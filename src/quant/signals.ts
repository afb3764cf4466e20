/**
 * Signal (activation) quantization: unsigned B-bit integers x standing for x * s. Hidden-layer
 * scales are calibrated from activations on training data, usually a high percentile of the
 * values rather than their maximum, so a few outliers do not waste the range.
 */
import { TritforgeError } from "../util/errors.js";

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new TritforgeError(`signal bits must be an integer in [1, 16], got ${bits}`);
}

/** s = max / (2^bits - 1): the step that maps [0, max] onto every code. */
export function signalScaleFromMax(maxValue: number, bits: number): number {
  checkBits(bits);
  if (!(maxValue > 0 && Number.isFinite(maxValue))) throw new TritforgeError(`signal range maximum must be a positive finite number, got ${maxValue}`);
  return maxValue / (2 ** bits - 1);
}

/**
 * The p-th percentile (0 <= p <= 100) with linear interpolation between order statistics (the
 * usual "linear" definition: rank p/100 * (n - 1)). O(n) expected (quickselect on a copy).
 */
export function percentile(values: Float32Array, p: number): number {
  const n = values.length;
  if (n === 0) throw new TritforgeError("percentile of an empty set of values");
  if (!(p >= 0 && p <= 100)) throw new TritforgeError(`percentile must be in [0, 100], got ${p}`);
  const v = values.slice();
  for (let i = 0; i < n; i++) if (Number.isNaN(v[i])) throw new TritforgeError(`percentile: value ${i} is NaN`);
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const frac = rank - lo;
  const a = select(v, lo);
  if (frac === 0 || lo + 1 >= n) return a;
  // After select, v[lo+1..n) holds the values >= v[lo]; the next order statistic is their minimum.
  let b = Infinity;
  for (let i = lo + 1; i < n; i++) if (v[i]! < b) b = v[i]!;
  return a + frac * (b - a);
}

/** Rearranges v so v[k] is the k-th smallest, smaller before, larger after; returns v[k]. */
function select(v: Float32Array, k: number): number {
  let left = 0;
  let right = v.length - 1;
  while (right > left) {
    // median of three as pivot
    const mid = (left + right) >>> 1;
    const x = v[left]!, y = v[mid]!, z = v[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        const t = v[i]!;
        v[i] = v[j]!;
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break; // v[k] equals the pivot
  }
  return v[k]!;
}

/** clamp(round(x / scale), 0, 2^bits - 1), rounding half up (what the requantizer does). */
export function quantizeSignal(x: number, scale: number, bits: number): number {
  if (!(scale > 0 && Number.isFinite(scale))) throw new TritforgeError(`signal scale must be a positive finite number, got ${scale}`);
  if (Number.isNaN(x)) throw new TritforgeError("cannot quantize a NaN signal value");
  checkBits(bits);
  const max = 2 ** bits - 1;
  const q = Math.floor(x / scale + 0.5);
  return q < 0 ? 0 : q > max ? max : q;
}

/**
 * A hidden layer's scale from calibration activations: signalScaleFromMax of their p-th
 * percentile (default 99.99), falling back to their maximum when the percentile is 0, and to a
 * maximum of 1 when every activation is <= 0 (a dead layer: any scale represents it exactly).
 */
export function calibrateSignalScale(activations: Float32Array, bits: number, p = 99.99): number {
  let top = percentile(activations, p);
  if (!(top > 0)) {
    top = 0;
    for (let i = 0; i < activations.length; i++) if (activations[i]! > top) top = activations[i]!;
  }
  return signalScaleFromMax(top > 0 ? top : 1, bits);
}
