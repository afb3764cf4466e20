/**
 * Interval arithmetic for the seeded study, as pure functions.
 *
 * - A quantity measured once per seed (an accuracy, a gap) is summarised by its mean, its sample
 *   standard deviation (n − 1) and a 95% confidence interval for the mean from Student's t with
 *   n − 1 degrees of freedom: mean ± t(0.975, n − 1) · sd / √n. One seed gives no interval.
 * - A statistic of many architectures at once (Spearman ρ, a median) gets a 95% percentile
 *   bootstrap interval: each replicate redraws, for every architecture, its seeds with replacement
 *   (the seed-to-seed noise is what is resampled; the architectures stay fixed), recomputes the
 *   statistic, and the interval is the 2.5th and 97.5th percentiles of the replicates. The
 *   resampling is seeded, so the report is deterministic.
 */
import { makeRng } from "../util/rng.js";

export interface Interval {
  n: number;
  mean: number;
  /** Sample standard deviation (NaN for one value). */
  sd: number;
  /** 95% confidence interval of the mean (both NaN for one value). */
  lo: number;
  hi: number;
}

/** t(0.975, df) for df = 1..30. */
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687,
  2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/** The 97.5th percentile of Student's t with `df` degrees of freedom (table to 30, Cornish-Fisher beyond). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a whole number >= 1, got ${df}`);
  if (df <= T975.length) return T975[df - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

export const mean = (v: readonly number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

/** Sample standard deviation (n − 1 in the denominator); NaN below two values. */
export function sampleSd(v: readonly number[]): number {
  if (v.length < 2) return NaN;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
}

/** Mean, sd and the Student-t 95% interval of the mean of per-seed values. */
export function tInterval(v: readonly number[]): Interval {
  const n = v.length;
  const m = mean(v);
  if (n < 2) return { n, mean: m, sd: NaN, lo: NaN, hi: NaN };
  const sd = sampleSd(v);
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean: m, sd, lo: m - half, hi: m + half };
}

export const hasInterval = (i: Interval): boolean => i.n >= 2 && Number.isFinite(i.lo);

/** True when the two intervals do not overlap (both must have one). */
export const separate = (a: Interval, b: Interval): boolean => hasInterval(a) && hasInterval(b) && (a.hi < b.lo || b.hi < a.lo);

/** Linear-interpolated quantile (type 7) of sorted values. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i]! + (h - i) * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
}

export interface BootstrapInterval {
  value: number;
  lo: number;
  hi: number;
  replicates: number;
}

export const BOOTSTRAP_REPLICATES = 2000;

/**
 * Percentile bootstrap of `stat` over groups of per-seed values: every replicate redraws each
 * group's values with replacement (same count) and calls `stat` with the redrawn groups. `value` is
 * `stat` of the data as given. No interval (NaN) when no group has two values: nothing to resample.
 * Replicates where `stat` is NaN are dropped.
 */
export function bootstrapGroups<T>(groups: readonly (readonly T[])[], stat: (groups: readonly (readonly T[])[]) => number, seed: string, replicates = BOOTSTRAP_REPLICATES): BootstrapInterval {
  const value = stat(groups);
  if (!groups.some((g) => g.length >= 2)) return { value, lo: NaN, hi: NaN, replicates: 0 };
  const rng = makeRng(`bootstrap:${seed}`);
  const out: number[] = [];
  for (let b = 0; b < replicates; b++) {
    const drawn = groups.map((g) => g.map(() => g[Math.floor(rng.next() * g.length)]!));
    const s = stat(drawn);
    if (!Number.isNaN(s)) out.push(s);
  }
  out.sort((a, c) => a - c);
  return { value, lo: quantileSorted(out, 0.025), hi: quantileSorted(out, 0.975), replicates: out.length };
}

/** "86.95% ± 0.31" style: mean and the half-width of the 95% interval (the mean alone for one seed). */
export function formatInterval(i: Interval, scale = 100, digits = 2, unit = "%"): string {
  const m = (i.mean * scale).toFixed(digits);
  return hasInterval(i) ? `${m}${unit} ± ${(((i.hi - i.lo) / 2) * scale).toFixed(digits)}` : `${m}${unit}`;
}
