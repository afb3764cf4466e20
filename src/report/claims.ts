/**
 * The paper's claims, checked against our numbers. Every verdict is computed from the seed-aggregated
 * cells (aggregate.ts) and uses their uncertainty; the summary only renders what these functions
 * return. A sweep with one seed per point has no intervals: its verdicts fall back to the point
 * rule and say so (`seeds: 1`).
 */
import type { Cell } from "./aggregate.js";
import { bootstrapGroups, hasInterval, mean, type BootstrapInterval } from "./intervals.js";
import type { Row } from "./rows.js";

export type Verdict = "supported" | "mixed" | "not supported" | "insufficient data";

/** Spearman rank correlation (average ranks on ties); NaN for fewer than 3 pairs or a constant side. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 3) return NaN;
  const rank = (v: readonly number[]) => {
    const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
      for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const mean = (rx.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i]! - mean) * (ry[i]! - mean);
    sxx += (rx[i]! - mean) ** 2;
    syy += (ry[i]! - mean) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const gap = (r: Row) => r.floatAccuracy - r.accuracy;

/** Smallest seed count among cells. */
const seedsOf = (cs: readonly Cell[]) => (cs.length ? Math.min(...cs.map((c) => c.accuracy.n)) : 0);

/** Fewer nets than this give no verdict on a trend (3 ranks only allow rho in {±1, ±0.5}). */
export const MIN_TREND_POINTS = 4;

export interface GapSeries {
  depth: number;
  smallest: Cell;
  largest: Cell;
  /** The largest net's mean gap is below the smallest's. */
  shrinks: boolean;
  /** ...and their 95% intervals do not overlap. */
  separated: boolean;
}

export interface GapTrend {
  sweep: string;
  precision: string;
  levels: number;
  /** Rank correlation between weights and the mean float − retrained gap (negative: the gap shrinks), with its seed-bootstrap interval. */
  rho: BootstrapInterval;
  /** Series of equal depth (FFDNN) or of the whole sweep (CNN), smallest and largest width. */
  series: GapSeries[];
  /** Fewest seeds behind any cell (1: no intervals, point rule). */
  seeds: number;
  verdict: Verdict;
}

/**
 * Claim 1: the float − retrained gap shrinks as the network grows. With seeds: *supported* = ρ ≤ −0.5
 * with its whole 95% bootstrap interval below 0, and in most depth series the largest net's gap
 * interval lies below the smallest net's (intervals separate); *mixed* = ρ < 0 or most series
 * shrink in the mean; otherwise *not supported*. One seed: the same rule on the point values
 * (ρ ≤ −0.5 and most series shrink).
 */
export function gapTrends(cells: readonly Cell[]): GapTrend[] {
  const out: GapTrend[] = [];
  const keys = [...new Set(cells.filter((c) => c.mode === "retrained").map((c) => `${c.sweep}\u0000${c.levels}`))];
  for (const k of keys) {
    const [sweep, lv] = k.split("\u0000") as [string, string];
    const cs = cells.filter((c) => c.mode === "retrained" && c.sweep === sweep && c.levels === Number(lv));
    const weights = cs.map((c) => c.weights);
    const rho = bootstrapGroups(
      cs.map((c) => c.perSeed.map((s) => s.floatAccuracy - s.accuracy)),
      (groups) => spearman(weights, groups.map((g) => mean(g))),
      `gap:${sweep}:${lv}`,
    );
    const depthOf = (c: Cell) => (c.family === "ffdnn" ? c.depth : -1);
    const depths = [...new Set(cs.map(depthOf))].sort((a, b) => a - b);
    const series = depths.flatMap((d) => {
      const s = cs.filter((c) => depthOf(c) === d).sort((a, b) => a.weights - b.weights);
      if (s.length < 2) return [];
      const smallest = s[0]!;
      const largest = s[s.length - 1]!;
      const separated = hasInterval(smallest.gap) && hasInterval(largest.gap) && largest.gap.hi < smallest.gap.lo;
      return [{ depth: d, smallest, largest, shrinks: largest.gap.mean < smallest.gap.mean, separated }];
    });
    const seeds = seedsOf(cs);
    const most = (n: number) => n * 2 > series.length;
    const shrinking = series.filter((s) => s.shrinks).length;
    let verdict: Verdict;
    if (Number.isNaN(rho.value) || series.length === 0 || cs.length < MIN_TREND_POINTS) verdict = "insufficient data";
    else if (seeds >= 2 ? rho.value <= -0.5 && rho.hi < 0 && most(series.filter((s) => s.separated).length) : rho.value <= -0.5 && most(shrinking)) verdict = "supported";
    else if (rho.value < 0 || most(shrinking)) verdict = "mixed";
    else verdict = "not supported";
    out.push({ sweep, precision: cs[0]!.precision, levels: Number(lv), rho, series, seeds, verdict });
  }
  return out;
}

export interface Recovery {
  sweep: string;
  precision: string;
  levels: number;
  /** (architecture, seed) points where direct quantization lost more than `minLoss`. */
  considered: number;
  /** Median of (retrained − direct) / (float − direct) over them, with its seed-bootstrap interval. */
  medianRecovered: BootstrapInterval;
  /** Mean direct loss and mean retrained loss over every point, in accuracy units. */
  meanDirectLoss: number;
  meanRetrainedLoss: number;
  points: number;
  seeds: number;
  verdict: Verdict;
}

/**
 * Claim 2: retraining recovers most of what direct quantization loses. Per (architecture, seed) the
 * share (retrained − direct) / (float − direct), over points that lost more than 1 pp; the median
 * with a bootstrap interval (seeds of each architecture redrawn). *Supported* = the interval's lower
 * end ≥ 0.5 (one seed: the median ≥ 0.5); *mixed* = median > 0; otherwise *not supported*.
 */
export function recoveries(cells: readonly Cell[], minLoss = 0.01): Recovery[] {
  const retrainedOf = new Map(cells.filter((c) => c.mode === "retrained").map((c) => [`${c.sweep}\u0000${c.arch}\u0000${c.levels}`, c]));
  const out: Recovery[] = [];
  const direct = cells.filter((c) => c.mode === "direct");
  for (const k of [...new Set(direct.map((c) => `${c.sweep}\u0000${c.levels}`))]) {
    const [sweep, lv] = k.split("\u0000") as [string, string];
    const pairs = direct
      .filter((c) => c.sweep === sweep && c.levels === Number(lv))
      .flatMap((d) => {
        const t = retrainedOf.get(`${d.sweep}\u0000${d.arch}\u0000${d.levels}`);
        return t ? [{ d, t }] : [];
      });
    if (pairs.length === 0) continue;
    // Per architecture: the shares of its seeds that lost more than minLoss.
    const groups = pairs.map(({ d, t }) =>
      d.perSeed.flatMap((s) => {
        const ts = t.perSeed.find((x) => x.seed === s.seed);
        const loss = s.floatAccuracy - s.accuracy;
        return ts && loss > minLoss ? [(ts.accuracy - s.accuracy) / loss] : [];
      }),
    );
    const medianRecovered = bootstrapGroups(groups, (gs) => {
      const all = gs.flat();
      return all.length ? median(all) : NaN;
    }, `recovery:${sweep}:${lv}`);
    const considered = groups.reduce((a, g) => a + g.length, 0);
    const seeds = seedsOf(pairs.map((p) => p.d));
    const m = medianRecovered.value;
    const strong = seeds >= 2 && Number.isFinite(medianRecovered.lo) ? medianRecovered.lo >= 0.5 : m >= 0.5;
    out.push({
      sweep,
      precision: pairs[0]!.d.precision,
      levels: Number(lv),
      considered,
      medianRecovered,
      meanDirectLoss: mean(pairs.flatMap(({ d }) => d.perSeed.map((s) => s.floatAccuracy - s.accuracy))),
      meanRetrainedLoss: mean(pairs.flatMap(({ t }) => t.perSeed.map((s) => s.floatAccuracy - s.accuracy))),
      points: pairs.reduce((a, p) => a + p.d.perSeed.length, 0),
      seeds,
      verdict: considered === 0 ? "insufficient data" : strong ? "supported" : m > 0 ? "mixed" : "not supported",
    });
  }
  return out;
}

export interface EqualMemoryWin {
  quant: Cell;
  float: Cell;
  /** The quantized net's accuracy interval lies above the float net's (both have intervals). */
  clear: boolean;
}

/**
 * Claim 3: a quantized (by default ternary, retrained) larger net beats a float smaller net that
 * needs at least as much memory: pairs with quantized memory <= float memory and quantized mean
 * accuracy >= float mean accuracy; `clear` when the intervals separate. Best first (largest
 * float/quantized memory ratio).
 */
export function equalMemoryWins(cells: readonly Cell[], levels = 3): EqualMemoryWin[] {
  const wins: EqualMemoryWin[] = [];
  const floats = cells.filter((c) => c.mode === "float");
  for (const q of cells.filter((c) => c.mode === "retrained" && c.levels === levels))
    for (const f of floats)
      if (f.sweep === q.sweep && f.weights < q.weights && q.memoryBits <= f.memoryBits && q.accuracy.mean >= f.accuracy.mean)
        wins.push({ quant: q, float: f, clear: hasInterval(q.accuracy) && hasInterval(f.accuracy) && q.accuracy.lo > f.accuracy.hi });
  return wins.sort((a, b) => b.float.memoryBits / b.quant.memoryBits - a.float.memoryBits / a.quant.memoryBits || b.quant.accuracy.mean - a.quant.accuracy.mean);
}

/**
 * Claim 3's verdict per sweep: *supported* = at least one clear pair (with seeds) or one pair (one
 * seed: point rule); *mixed* = pairs whose intervals all overlap; *not supported* = no pair.
 */
export function equalMemoryVerdict(cells: readonly Cell[], wins: readonly EqualMemoryWin[], levels = 3): Verdict {
  const q = cells.filter((c) => c.mode === "retrained" && c.levels === levels);
  if (!q.length) return "insufficient data";
  if (!wins.length) return "not supported";
  if (seedsOf(q) < 2) return "supported";
  return wins.some((w) => w.clear) ? "supported" : "mixed";
}
