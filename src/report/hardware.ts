/**
 * The hardware Pareto report: LUTs against inferences per cycle for both architectures on a network,
 * so a user sees where each wins. mac-array points sweep the lanes P, dataflow points sweep the
 * solver's target interval; both priced by their calibrated analytic models (Xilinx 7-series LUT),
 * with Yosys-measured designs and published FINN designs as reference points.
 */
import type * as vl from "vega-lite";
import type { Network } from "../ir/schema.js";
import { analyticEstimate } from "../cost/analytic.js";
import { macArray } from "../hw/mac-array/index.js";
import { solveFolding } from "../hw/dataflow/solver.js";

export interface ParetoPoint {
  network: string;
  arch: string;
  /** How the point was priced: "analytic", "yosys" (synth_xilinx) or "published". */
  source: "analytic" | "yosys" | "published";
  label: string;
  lut: number;
  interval: number;
  inferencesPerCycle: number;
  bram36?: number;
}

export const MAC_ARRAY_LANES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** mac-array over P: interval = latency (one inference at a time), LUT from the analytic model. */
export function macArrayPoints(net: Network, lanes: readonly number[] = MAC_ARRAY_LANES): ParetoPoint[] {
  return lanes.map((P) => {
    const m = macArray.build(net, { lanes: P, requant: "auto" }).manifest;
    const lut = analyticEstimate(m).xilinx.lut;
    return { network: net.name, arch: "mac-array", source: "analytic", label: `P=${P}`, lut, interval: m.timing.interval, inferencesPerCycle: 1 / m.timing.interval };
  });
}

/** dataflow over target intervals: the solver's folding, LUT and block RAM from its cost model. */
export function dataflowPoints(net: Network, targets: readonly number[]): ParetoPoint[] {
  const seen = new Set<number>();
  const out: ParetoPoint[] = [];
  for (const T of targets) {
    const s = solveFolding(net, { kind: "interval", cycles: T });
    if (seen.has(s.plan.interval)) continue;
    seen.add(s.plan.interval);
    out.push({ network: net.name, arch: "dataflow", source: "analytic", label: `T<=${T}`, lut: s.estimate.lut, interval: s.plan.interval, inferencesPerCycle: 1 / s.plan.interval, bram36: s.estimate.bram36 });
  }
  return out;
}

/**
 * Published FINN designs (Umuroglu et al., "FINN", FPGA 2017, ZC706 at 200 MHz): binarized weights
 * and activations (1 bit x 1 bit), against our ternary x 8-bit designs.
 */
export const FINN_POINTS: ParetoPoint[] = [
  { network: "784-256-256-256-10", arch: "FINN SFC-max (1-bit W/A)", source: "published", label: "SFC-max", lut: 91131, interval: 200e6 / 12.361e6, inferencesPerCycle: 12.361e6 / 200e6 },
  { network: "784-1024-1024-1024-10", arch: "FINN LFC-max (1-bit W/A)", source: "published", label: "LFC-max", lut: 82988, interval: 200e6 / 1.561e6, inferencesPerCycle: 1.561e6 / 200e6 },
];

/**
 * The mac-array P = 16 design on the default network as issue 12 measured it before the mac-array's
 * rework (issue 13): the baseline its targets are stated against.
 */
export const ISSUE_BASELINE: ParetoPoint = { network: "784-256-256-256-10", arch: "mac-array", source: "yosys", label: "P=16 (issue 12 baseline)", lut: 2955, interval: 21065, inferencesPerCycle: 1 / 21065 };

/** Inferences per cycle per 1,000 LUT. */
export const perKLut = (p: Pick<ParetoPoint, "inferencesPerCycle" | "lut">): number => (p.inferencesPerCycle / p.lut) * 1000;

export interface ArchComparison {
  network: string;
  /** The measured mac-array design compared against. */
  mac: ParetoPoint;
  /** Measured dataflow design with the most inferences/cycle/kLUT, and its ratio to `mac`'s. */
  best: ParetoPoint;
  efficiency: number;
  /** Measured dataflow design with the fewest LUT among those at least 6x faster than `mac` (null if none), LUT ratio. */
  fast: ParetoPoint | null;
  lutRatio: number | null;
  speedup: number | null;
}

/** The issue's comparisons of Yosys-measured dataflow designs with a measured mac-array design of the same network. */
export function compareArchitectures(points: readonly ParetoPoint[], mac: ParetoPoint): ArchComparison | null {
  const df = points.filter((p) => p.network === mac.network && p.arch === "dataflow" && p.source === "yosys");
  if (df.length === 0) return null;
  const best = df.reduce((a, b) => (perKLut(b) > perKLut(a) ? b : a));
  const fastOnes = df.filter((p) => p.interval * 6 <= mac.interval);
  const fast = fastOnes.length ? fastOnes.reduce((a, b) => (b.lut < a.lut ? b : a)) : null;
  return { network: mac.network, mac, best, efficiency: perKLut(best) / perKLut(mac), fast, lutRatio: fast ? fast.lut / mac.lut : null, speedup: fast ? mac.interval / fast.interval : null };
}

export function paretoCsv(points: readonly ParetoPoint[]): string {
  const rows = points.map((p) => [p.network, p.arch, p.source, p.label, p.lut, Number(p.interval.toFixed(2)), p.inferencesPerCycle.toPrecision(4), p.bram36 ?? ""].join(","));
  return ["network,arch,source,label,lut,interval_cycles,inferences_per_cycle,bram36", ...rows].join("\n") + "\n";
}

/** Log-log scatter: LUT (x) against inferences per cycle (y), colour = architecture, shape = how priced. */
export function paretoSpec(points: readonly ParetoPoint[], title: string): vl.TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 560,
    height: 380,
    data: { values: points.map((p) => ({ ...p, series: `${p.arch} ${p.network}` })) },
    layer: [
      {
        mark: { type: "line", point: false, strokeWidth: 1.5 },
        transform: [{ filter: "datum.source === 'analytic'" }],
        encoding: {
          x: { field: "lut", type: "quantitative", scale: { type: "log" }, title: "Xilinx 7-series LUT (log)" },
          y: { field: "inferencesPerCycle", type: "quantitative", scale: { type: "log" }, title: "inferences per cycle (log)" },
          color: { field: "series", type: "nominal", title: "architecture, network" },
          order: { field: "lut", type: "quantitative" },
        },
      },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          x: { field: "lut", type: "quantitative", scale: { type: "log" } },
          y: { field: "inferencesPerCycle", type: "quantitative", scale: { type: "log" } },
          color: { field: "series", type: "nominal" },
          shape: { field: "source", type: "nominal", title: "priced by" },
          tooltip: [{ field: "label" }, { field: "lut" }, { field: "interval" }],
        },
      },
      {
        mark: { type: "text", dx: 6, dy: -8, align: "left", fontSize: 10 },
        transform: [{ filter: "datum.source !== 'analytic'" }],
        encoding: {
          x: { field: "lut", type: "quantitative", scale: { type: "log" } },
          y: { field: "inferencesPerCycle", type: "quantitative", scale: { type: "log" } },
          text: { field: "label" },
        },
      },
    ],
  } as vl.TopLevelSpec;
}
