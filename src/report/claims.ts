/**
 * The paper's claims, checked against our numbers. Every verdict is computed from the rows; the
 * summary only renders what these functions return.
 */
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

/** Fewer nets than this give no verdict on a trend (3 ranks only allow rho in {±1, ±0.5}). */
export const MIN_TREND_POINTS = 4;

export interface GapTrend {
  sweep: string;
  precision: string;
  levels: number;
  /** Rank correlation between log(weights) and the float-minus-retrained gap (negative: the gap shrinks). */
  rho: number;
  /** Series of equal depth (FFDNN) or of the whole sweep (CNN), ordered by width. */
  series: { depth: number; smallest: Row; largest: Row; shrinks: boolean }[];
  verdict: Verdict;
}

/** Claim 1: the float-minus-retrained gap shrinks as the network grows. */
export function gapTrends(rows: readonly Row[]): GapTrend[] {
  const out: GapTrend[] = [];
  const keys = [...new Set(rows.filter((r) => r.mode === "retrained").map((r) => `${r.sweep}\u0000${r.levels}`))];
  for (const k of keys) {
    const [sweep, lv] = k.split("\u0000") as [string, string];
    const rs = rows.filter((r) => r.mode === "retrained" && r.sweep === sweep && r.levels === Number(lv));
    const rho = spearman(rs.map((r) => r.weights), rs.map(gap));
    const depths = [...new Set(rs.map((r) => (r.family === "ffdnn" ? r.depth : -1)))].sort((a, b) => a - b);
    const series = depths.flatMap((d) => {
      const s = rs.filter((r) => (r.family === "ffdnn" ? r.depth : -1) === d).sort((a, b) => a.weights - b.weights);
      if (s.length < 2) return [];
      const smallest = s[0]!;
      const largest = s[s.length - 1]!;
      return [{ depth: d, smallest, largest, shrinks: gap(largest) < gap(smallest) }];
    });
    const shrinking = series.filter((s) => s.shrinks).length;
    let verdict: Verdict;
    if (Number.isNaN(rho) || series.length === 0 || rs.length < MIN_TREND_POINTS) verdict = "insufficient data";
    else if (rho <= -0.5 && shrinking * 2 > series.length) verdict = "supported";
    else if (rho < 0 || shrinking * 2 > series.length) verdict = "mixed";
    else verdict = "not supported";
    out.push({ sweep, precision: rs[0]!.precision, levels: Number(lv), rho, series, verdict });
  }
  return out;
}

export interface Recovery {
  sweep: string;
  precision: string;
  levels: number;
  /** Points where direct quantization lost more than `minLoss`. */
  considered: number;
  /** Median of (retrained - direct) / (float - direct) over them. */
  medianRecovered: number;
  /** Mean direct loss and mean retrained loss over every point, in accuracy units. */
  meanDirectLoss: number;
  meanRetrainedLoss: number;
  points: number;
  verdict: Verdict;
}

/** Claim 2: retraining recovers most of what direct quantization loses (median share >= 1/2). */
export function recoveries(rows: readonly Row[], minLoss = 0.01): Recovery[] {
  const direct = rows.filter((r) => r.mode === "direct");
  const retrainedOf = new Map(rows.filter((r) => r.mode === "retrained").map((r) => [r.pointId, r]));
  const out: Recovery[] = [];
  for (const k of [...new Set(direct.map((r) => `${r.sweep}\u0000${r.levels}`))]) {
    const [sweep, lv] = k.split("\u0000") as [string, string];
    const pairs = direct
      .filter((r) => r.sweep === sweep && r.levels === Number(lv))
      .flatMap((d) => {
        const t = retrainedOf.get(d.pointId);
        return t ? [{ d, t }] : [];
      });
    if (pairs.length === 0) continue;
    const big = pairs.filter(({ d }) => gap(d) > minLoss);
    const shares = big.map(({ d, t }) => (t.accuracy - d.accuracy) / gap(d));
    const medianRecovered = shares.length ? median(shares) : NaN;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    out.push({
      sweep,
      precision: pairs[0]!.d.precision,
      levels: Number(lv),
      considered: big.length,
      medianRecovered,
      meanDirectLoss: mean(pairs.map(({ d }) => gap(d))),
      meanRetrainedLoss: mean(pairs.map(({ t }) => gap(t))),
      points: pairs.length,
      verdict: shares.length === 0 ? "insufficient data" : medianRecovered >= 0.5 ? "supported" : medianRecovered > 0 ? "mixed" : "not supported",
    });
  }
  return out;
}

export interface EqualMemoryWin {
  quant: Row;
  float: Row;
}

/**
 * Claim 3: a quantized (by default ternary, retrained) larger net beats a float smaller net that
 * needs at least as much memory: pairs with quant memory <= float memory and quant accuracy >= float accuracy.
 * Returned best first (largest float/quant memory ratio).
 */
export function equalMemoryWins(rows: readonly Row[], levels = 3): EqualMemoryWin[] {
  const wins: EqualMemoryWin[] = [];
  const floats = rows.filter((r) => r.mode === "float");
  for (const q of rows.filter((r) => r.mode === "retrained" && r.levels === levels))
    for (const f of floats)
      if (f.sweep === q.sweep && f.weights < q.weights && q.memoryBits <= f.memoryBits && q.accuracy >= f.accuracy) wins.push({ quant: q, float: f });
  return wins.sort((a, b) => b.float.memoryBits / b.quant.memoryBits - a.float.memoryBits / a.quant.memoryBits || b.quant.accuracy - a.quant.accuracy);
}
