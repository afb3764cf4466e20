/**
 * Seeds aggregated: one cell per (sweep, architecture, precision, mode) with the mean, standard
 * deviation and Student-t 95% interval of its accuracy and of its float − quantized gap over seeds
 * (intervals.ts), and its ECRs computed on the mean curves with an interval from the seeds.
 *
 * ECR interval: the ECR of the cell's mean accuracy on the float curve of per-architecture mean
 * accuracies is the value. Its interval is the pair of extreme readings the seed intervals allow: the
 * low end reads the quantized cell's lower bound against float nets at their upper bounds, the high
 * end its upper bound against float nets at their lower bounds (a conservative, outer interval). A
 * sweep with one seed per point has no interval.
 * Pure: rows in, cells out.
 */
import { costEcr, FLOAT_BITS_PER_WEIGHT, type Bound, type CurvePoint } from "./ecr.js";
import { hasInterval, tInterval, type Interval } from "./intervals.js";
import type { Mode, Row } from "./rows.js";

export interface CellEcr {
  value: number;
  bound: Bound;
  /** NaN without seed intervals. */
  lo: number;
  hi: number;
}

export interface SeedValue {
  seed: number;
  pointId: string;
  accuracy: number;
  floatAccuracy: number;
}

/** The row fields a cell shares with every seed's row. */
const SHARED = ["sweep", "dataset", "family", "arch", "width", "depth", "parameters", "weights", "levels", "precision", "mode", "hidden", "signalBits", "memoryBits", "lut4", "ebr", "dfLut4", "dfEbr"] as const;
type Shared = (typeof SHARED)[number];
const shared = (r: Row): Pick<Row, Shared> => Object.fromEntries(SHARED.filter((k) => r[k] !== undefined).map((k) => [k, r[k]])) as Pick<Row, Shared>;

export interface Cell extends Pick<Row, Shared> {
  perSeed: SeedValue[];
  accuracy: Interval;
  /** Float − this cell's accuracy, paired by seed (0 for float cells). */
  gap: Interval;
  /** Rows from records made before the keep-direct rule (retrained cells). */
  legacy: number;
  /** Retrained rows with a selection record, and those where the direct weights were kept. */
  selections: number;
  keptDirect: number;
  ecr?: CellEcr;
  ecrEbr?: CellEcr;
  ecrLut4?: CellEcr;
  /** On the dataflow architecture. */
  ecrDfEbr?: CellEcr;
  ecrDfLut4?: CellEcr;
}

const key = (r: Pick<Row, "sweep" | "arch" | "levels" | "mode">) => `${r.sweep}\u0000${r.arch}\u0000${r.levels}\u0000${r.mode}`;

/** Groups rows (one per seed) into cells, in row order. */
export function toCells(rows: readonly Row[]): Cell[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const cells = [...groups.values()].map((rs): Cell => {
    const r0 = rs[0]!;
    const perSeed = rs.map((r) => ({ seed: r.seed, pointId: r.pointId, accuracy: r.accuracy, floatAccuracy: r.floatAccuracy })).sort((a, b) => a.seed - b.seed);
    return {
      ...shared(r0),
      perSeed,
      accuracy: tInterval(perSeed.map((s) => s.accuracy)),
      gap: tInterval(perSeed.map((s) => s.floatAccuracy - s.accuracy)),
      legacy: rs.filter((r) => r.legacy).length,
      selections: rs.filter((r) => r.selection !== undefined).length,
      keptDirect: rs.filter((r) => r.selection === "direct").length,
    };
  });
  return withCellEcr(cells);
}

type Axis = { name: "ecr" | "ecrEbr" | "ecrLut4" | "ecrDfEbr" | "ecrDfLut4"; float: (c: Cell) => number | undefined; quant: (c: Cell) => number | undefined };
const AXES: Axis[] = [
  { name: "ecr", float: (c) => FLOAT_BITS_PER_WEIGHT * c.weights, quant: (c) => c.memoryBits },
  { name: "ecrEbr", float: (c) => c.ebr, quant: (c) => c.ebr },
  { name: "ecrLut4", float: (c) => c.lut4, quant: (c) => c.lut4 },
  { name: "ecrDfEbr", float: (c) => c.dfEbr, quant: (c) => c.dfEbr },
  { name: "ecrDfLut4", float: (c) => c.dfLut4, quant: (c) => c.dfLut4 },
];

/** ECR of a quantized cell against the float cells of its sweep on one cost axis, with its seed interval. */
export function cellEcr(floats: readonly Cell[], q: Cell, floatCost: (c: Cell) => number | undefined, quantCost: number): CellEcr | undefined {
  const priced = floats.filter((f) => floatCost(f) !== undefined);
  if (!priced.length || !(quantCost > 0)) return undefined;
  const curve = (at: (i: Interval) => number): CurvePoint[] => priced.map((f) => ({ size: floatCost(f)!, accuracy: at(f.accuracy) }));
  const v = costEcr(curve((i) => i.mean), q.accuracy.mean, quantCost);
  const seeded = hasInterval(q.accuracy) && priced.every((f) => hasInterval(f.accuracy));
  if (!seeded) return { value: v.value, bound: v.bound, lo: NaN, hi: NaN };
  const lo = costEcr(curve((i) => i.hi), q.accuracy.lo, quantCost).value;
  const hi = costEcr(curve((i) => i.lo), q.accuracy.hi, quantCost).value;
  return { value: v.value, bound: v.bound, lo: Math.min(lo, v.value), hi: Math.max(hi, v.value) };
}

function withCellEcr(cells: Cell[]): Cell[] {
  for (const sweep of new Set(cells.map((c) => c.sweep))) {
    const floats = cells.filter((c) => c.sweep === sweep && c.mode === "float");
    for (const q of cells.filter((c) => c.sweep === sweep && c.mode !== "float"))
      for (const a of AXES) {
        const cost = a.quant(q);
        if (cost === undefined) continue;
        const e = cellEcr(floats, q, a.float, cost);
        if (e) q[a.name] = e;
      }
  }
  return cells;
}

/** "5.32 [4.91, 5.80]" (the bound sign in front when the value is a bound). */
export function formatCellEcr(e: CellEcr, digits = 2): string {
  const v = `${e.bound === "lower" ? ">= " : e.bound === "upper" ? "<= " : ""}${e.value.toFixed(digits)}`;
  return Number.isFinite(e.lo) ? `${v} [${e.lo.toFixed(digits)}, ${e.hi.toFixed(digits)}]` : v;
}

/** Smallest number of seeds over the cells (1 when any point has a single seed). */
export const minSeeds = (cells: readonly Cell[]): number => (cells.length ? Math.min(...cells.map((c) => c.accuracy.n)) : 0);
