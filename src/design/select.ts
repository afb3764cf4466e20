/**
 * Choosing a design for a part, as pure functions: which candidates fit (and by how much the others
 * miss), the Pareto front of accuracy against resources, and the most accurate candidate that fits
 * and meets a throughput floor; or one line saying why there is none.
 *
 * Fit rule: block RAM, DSP blocks and IO pins up to the part's count (the block-RAM rule is exact
 * against Yosys); LUTs and flip-flops up to `logicLimit` of the part (default 90%: the analytic
 * model is calibrated within about 6% of Yosys, and placement needs headroom). On iCE40 a logic
 * cell holds one LUT4 and one flip-flop, so LUT4s and flip-flops are each checked against the
 * part's logic cells. Utilization = the largest of the resource fractions used.
 */
import type { Interval } from "../report/intervals.js";
import type { Part } from "./parts.js";
import type { Footprint } from "./price.js";

export interface Candidate {
  sweep: string;
  dataset: string;
  /** Network, e.g. "ffdnn 256x2". */
  network: string;
  levels: number;
  precision: string;
  /** Integer-model test accuracy over seeds. */
  accuracy: Interval;
  /** The stored points behind the accuracy, by seed. */
  points: { seed: number; pointId: string }[];
  hwArch: string;
  params: Record<string, unknown>;
  folding: string;
  footprint: Footprint | null;
  /** Why there is no footprint (cannot be built, no cost model, cannot possibly fit). */
  skipped?: string;
  /** "too big" when the weights alone exceed what the part could store; else the architecture's reason. */
  skipKind?: "too big" | "not buildable";
}

export interface Usage {
  resource: string;
  used: number;
  available: number;
}

export const DEFAULT_LOGIC_LIMIT = 0.9;

/** What a footprint uses of a part, resource by resource (available = what the fit rule allows). */
export function usage(f: Footprint, part: Part, logicLimit = DEFAULT_LOGIC_LIMIT): Usage[] {
  const logic = Math.floor(part.lut * logicLimit);
  const ff = Math.floor(part.ff * logicLimit);
  const common = [
    { resource: "DSP", used: f.dsp, available: part.dsp },
    { resource: "IO pins", used: f.io, available: part.io },
  ];
  if (part.family === "ice40") {
    // Candidates without an iCE40 price are never offered for an iCE40 part (candidates.ts).
    if (!f.ice40) return [{ resource: "LUT4 (no iCE40 cost model)", used: Infinity, available: 0 }];
    return [
      { resource: "LUT4", used: f.ice40.lut4, available: logic },
      { resource: "flip-flops", used: f.ice40.ff, available: ff },
      { resource: "EBR", used: f.ice40.ebr, available: part.bram.count },
      ...common,
    ];
  }
  return [
    { resource: "LUT", used: f.xilinx.lut, available: logic },
    { resource: "flip-flops", used: f.xilinx.ff, available: ff },
    { resource: "RAMB36", used: f.xilinx.ramb36, available: part.bram.count },
    ...common,
  ];
}

/** Largest fraction of an allowed resource used (> 1: does not fit). IO and DSP count only when over. */
export function utilization(f: Footprint, part: Part, logicLimit = DEFAULT_LOGIC_LIMIT): number {
  return Math.max(
    ...usage(f, part, logicLimit).map((u) => {
      const frac = u.available > 0 ? u.used / u.available : u.used > 0 ? Infinity : 0;
      return u.resource === "IO pins" || u.resource === "DSP" ? (frac > 1 ? frac : 0) : frac;
    }),
  );
}

export const fits = (f: Footprint, part: Part, logicLimit = DEFAULT_LOGIC_LIMIT): boolean => usage(f, part, logicLimit).every((u) => u.used <= u.available);

/** Inferences per second at a clock (MHz), one inference started every `interval` cycles. */
export const inferencesPerSecond = (f: Footprint, clockMHz: number): number => (clockMHz * 1e6) / f.interval;

/**
 * Candidates on the Pareto front of (mean accuracy up, utilization down, inferences per cycle up),
 * by utilization: a candidate is dropped when another is at least as good on all three and better
 * on one (among equally accurate, equally large designs the faster folding stays).
 */
export function paretoFront(cands: readonly Candidate[], part: Part, logicLimit = DEFAULT_LOGIC_LIMIT): Candidate[] {
  const u = (c: Candidate) => utilization(c.footprint!, part, logicLimit);
  const speed = (c: Candidate) => 1 / c.footprint!.interval;
  const priced = cands.filter((c) => c.footprint);
  const dominates = (o: Candidate, c: Candidate) =>
    o.accuracy.mean >= c.accuracy.mean && u(o) <= u(c) && speed(o) >= speed(c) && (o.accuracy.mean > c.accuracy.mean || u(o) < u(c) || speed(o) > speed(c));
  return priced.filter((c) => !priced.some((o) => o !== c && dominates(o, c))).sort((a, b) => u(a) - u(b) || b.accuracy.mean - a.accuracy.mean || a.footprint!.interval - b.footprint!.interval);
}

/**
 * The rows of a long front worth printing: the `rows` most accurate (ties: smaller, then faster),
 * always with the choice among them, in the front's order (by utilization). A three-objective front
 * can hold hundreds of designs; the most accurate ones are those a user picks from.
 */
export function frontRows(front: readonly Candidate[], best: Candidate | null, rows: number, part: Part, logicLimit = DEFAULT_LOGIC_LIMIT): Candidate[] {
  if (front.length <= rows) return [...front];
  const u = (c: Candidate) => utilization(c.footprint!, part, logicLimit);
  const ranked = [...front].sort((a, b) => b.accuracy.mean - a.accuracy.mean || u(a) - u(b) || a.footprint!.interval - b.footprint!.interval);
  const keep = new Set(ranked.slice(0, rows));
  if (best && front.includes(best) && !keep.has(best)) {
    keep.delete(ranked[rows - 1]!);
    keep.add(best);
  }
  return front.filter((c) => keep.has(c));
}

export interface Throughput {
  minFps: number;
  clockMHz: number;
}

export interface Choice {
  /** Pareto front among the candidates that fit. */
  front: Candidate[];
  best: Candidate | null;
  /** One line when there is no best. */
  reason?: string;
  fitting: number;
}

const describe = (c: Candidate) => `${c.network} ${c.precision} on ${c.hwArch} (${c.folding})`;
const n = (v: number) => Math.round(v).toLocaleString("en-US");

/** Most accurate fitting candidate meeting the floor (ties: lower utilization, then faster), or why none. */
export function choose(cands: readonly Candidate[], part: Part, o: { throughput?: Throughput; logicLimit?: number } = {}): Choice {
  const limit = o.logicLimit ?? DEFAULT_LOGIC_LIMIT;
  const priced = cands.filter((c) => c.footprint);
  const fitting = priced.filter((c) => fits(c.footprint!, part, limit));
  const front = paretoFront(fitting, part, limit);
  if (!priced.length) return { front, best: null, fitting: 0, reason: `no candidate could be priced${cands[0]?.skipped ? ` (e.g. ${describe(cands[0])}: ${cands[0].skipped})` : ""}` };
  if (!fitting.length) {
    // The candidate that misses by the least, and its worst resource.
    const miss = priced
      .map((c) => ({ c, worst: usage(c.footprint!, part, limit).reduce((w, x) => (x.used / Math.max(x.available, 1e-9) > w.used / Math.max(w.available, 1e-9) ? x : w)) }))
      .sort((a, b) => a.worst.used / Math.max(a.worst.available, 1e-9) - b.worst.used / Math.max(b.worst.available, 1e-9))[0]!;
    const w = miss.worst;
    const over = w.available > 0 ? `${((w.used / w.available - 1) * 100).toFixed(0)}% over` : "the part has none";
    return { front, best: null, fitting: 0, reason: `nothing fits ${part.label}: the closest candidate, ${describe(miss.c)}, needs ${n(w.used)} ${w.resource} where ${n(w.available)} are allowed (${over})` };
  }
  const fast = o.throughput ? fitting.filter((c) => inferencesPerSecond(c.footprint!, o.throughput!.clockMHz) >= o.throughput!.minFps) : fitting;
  if (!fast.length) {
    const t = o.throughput!;
    const best = [...fitting].sort((a, b) => a.footprint!.interval - b.footprint!.interval)[0]!;
    const fps = inferencesPerSecond(best.footprint!, t.clockMHz);
    return { front, best: null, fitting: fitting.length, reason: `nothing that fits ${part.label} reaches ${n(t.minFps)} inferences/s at ${t.clockMHz} MHz: the fastest, ${describe(best)}, reaches ${n(fps)}/s (${(t.minFps / fps).toFixed(2)}x short)` };
  }
  const best = [...fast].sort((a, b) => b.accuracy.mean - a.accuracy.mean || utilization(a.footprint!, part, limit) - utilization(b.footprint!, part, limit) || a.footprint!.interval - b.footprint!.interval)[0]!;
  return { front, best, fitting: fitting.length };
}
