/**
 * estimateDesign: every cost figure of one hardware bundle. Memory and the analytic model come
 * from the manifest alone; synthesis (Yosys, three targets) and place and route (nextpnr-ice40)
 * run when asked. A failing target or a part the design does not fit is reported in the result,
 * never thrown, so a batch carries on; a missing tool is a one-line TritforgeError.
 */
import { resolve } from "node:path";
import { TritforgeError } from "../util/errors.js";
import { analyticEstimate, type AnalyticEstimate } from "./analytic.js";
import { loadManifest, type Manifest } from "../hw/bundle/manifest.js";
import { memorySummary, type MemorySummary } from "./memory.js";
import { findNextpnr, placeAndRoute } from "./nextpnr.js";
import { ICE40_PARTS, ice40FitProblems, type Ice40Part, type Ice40PartName } from "./parts.js";
import { genericCells, ice40Cells, SYNTH_TARGETS, xilinxCells, type GenericCells, type Ice40Cells, type SynthTarget, type XilinxCells } from "./stats.js";
import { findYosys, synthesize, type YosysPreference, type YosysTool } from "./yosys.js";

/** A bundle's measured cost figures live next to its manifest in this file (gen-rtl --estimate). */
export const ESTIMATE_FILE = "estimate.json";

export interface TargetRun {
  seconds: number;
  cached: boolean;
}
export type Failed = { error: string };

export interface SynthesisEstimate {
  tool: string;
  generic?: (GenericCells & TargetRun) | Failed;
  ice40?: (Ice40Cells & TargetRun) | Failed;
  xilinx?: (XilinxCells & TargetRun) | Failed;
}

export interface PartEstimate {
  part: string;
  fits: boolean;
  /** Why it does not fit, or why place and route failed. */
  problems: string[];
  /** Set when the design fits the part's resources but nextpnr failed or timed out: not a misfit. */
  placeAndRouteFailed?: boolean;
  fmaxMHz?: number;
  inferencesPerSecond?: number;
  latencyMicroseconds?: number;
  logicCellsUsed?: number;
  ebrUsed?: number;
  /** The "(activation buffers in SPRAM)" variant: SPRAM blocks used. */
  spramUsed?: number;
  seconds?: number;
}

/** Label of the UP5K variant whose activation buffers sit in SPRAM (tried when the EBR do not suffice). */
export const UP5K_SPRAM_LABEL = `${ICE40_PARTS.up5k.label} (activation buffers in SPRAM)`;

export interface Estimate {
  format: "tritforge-estimate";
  version: 1;
  name: string;
  top: string;
  arch: Manifest["arch"];
  /** Cycles from first input beat to last output beat, and between successive inferences' starts. */
  latency: number;
  interval: number;
  /** Ports of the top module in pins (stream data, handshakes, clock, reset). */
  ioPins: number;
  memory: Omit<MemorySummary, "ice40" | "xilinx"> & {
    ice40: { ebr: number };
    xilinx: { ramb18: number; ramb36: number; ramb36Equivalent: number; lutramLuts: number };
  };
  analytic: AnalyticEstimate;
  synthesis: SynthesisEstimate | null;
  pnr: PartEstimate[] | null;
}

export interface EstimateOptions {
  /** Run Yosys (default true). */
  synth?: boolean;
  /** Run nextpnr-ice40 where the design fits (default true; needs synth). */
  pnr?: boolean;
  parts?: Ice40PartName[];
  targets?: readonly SynthTarget[];
  yosys?: YosysTool | YosysPreference;
  nextpnrBin?: string;
  /** Per-design, per-target timeout of each tool run. */
  timeoutMs?: number;
  cacheDir?: string;
  /** Progress lines (e.g. to stderr). */
  onProgress?: (line: string) => void;
}

export function ioPins(m: Manifest): number {
  return m.interface.ports.reduce((s, p) => s + p.width, 0);
}

const failed = (err: unknown): Failed => ({ error: err instanceof Error ? err.message : String(err) });
const isFailed = (x: object | undefined): x is Failed => x !== undefined && "error" in x;

/** Runs the targets two at a time (the machine has two cores). */
async function runTargets(bundleDir: string, m: Manifest, tool: YosysTool, o: EstimateOptions): Promise<{ s: SynthesisEstimate; netlist?: string }> {
  const s: SynthesisEstimate = { tool: tool.version };
  let netlist: string | undefined;
  const queue = [...(o.targets ?? SYNTH_TARGETS)];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const target = t;
      try {
        const r = await synthesize(bundleDir, m, target, { tool, timeoutMs: o.timeoutMs, cacheDir: o.cacheDir });
        const run = { seconds: Number(r.seconds.toFixed(1)), cached: r.cached };
        if (target === "generic") s.generic = { ...genericCells(r.stats), ...run };
        else if (target === "ice40") {
          s.ice40 = { ...ice40Cells(r.stats), ...run };
          netlist = r.netlist;
        } else s.xilinx = { ...xilinxCells(r.stats), ...run };
        o.onProgress?.(`${m.name}: ${target} synthesis ${r.cached ? "(cached)" : `${r.seconds.toFixed(1)} s`}`);
      } catch (err) {
        if (!(err instanceof TritforgeError)) throw err;
        s[target] = failed(err);
        o.onProgress?.(`${m.name}: ${target} synthesis failed: ${err.message}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return { s, netlist };
}

/** Fit check, then place and route of one netlist on one part (reported under `label`). */
async function placeOn(m: Manifest, cells: Ice40Cells, netlist: string, part: Ice40Part, label: string, o: EstimateOptions, bin: string): Promise<PartEstimate> {
  const problems = ice40FitProblems(cells, ioPins(m), part);
  if (problems.length) return { part: label, fits: false, problems };
  try {
    const r = await placeAndRoute(netlist, part, m.name, { bin, timeoutMs: o.timeoutMs });
    o.onProgress?.(`${m.name}: ${label} place and route ${r.seconds.toFixed(1)} s, Fmax ${r.fmaxMHz.toFixed(1)} MHz`);
    const spram = r.utilization["ICESTORM_SPRAM"]?.used;
    return {
      part: label,
      fits: true,
      problems: [],
      fmaxMHz: Number(r.fmaxMHz.toFixed(2)),
      inferencesPerSecond: Math.round((r.fmaxMHz * 1e6) / m.timing.interval),
      latencyMicroseconds: Number((m.timing.latency / r.fmaxMHz).toFixed(2)),
      logicCellsUsed: r.utilization["ICESTORM_LC"]?.used,
      ebrUsed: r.utilization["ICESTORM_RAM"]?.used,
      ...(spram ? { spramUsed: spram } : {}),
      seconds: Number(r.seconds.toFixed(1)),
    };
  } catch (err) {
    if (!(err instanceof TritforgeError)) throw err;
    return { part: label, fits: false, placeAndRouteFailed: true, problems: [err.message] };
  }
}

async function runParts(m: Manifest, cells: Ice40Cells, netlist: string, o: EstimateOptions, bin: string): Promise<PartEstimate[]> {
  const out: PartEstimate[] = [];
  for (const name of o.parts ?? (["up5k", "hx8k"] as Ice40PartName[])) out.push(await placeOn(m, cells, netlist, ICE40_PARTS[name], ICE40_PARTS[name].label, o, bin));
  return out;
}

/**
 * When the UP5K lacks EBR only, and the design has activation buffers: synthesise again with them
 * in SPRAM (single-port RAM in the RTL, YosysTarget "ice40-spram") and place that on the UP5K.
 */
async function up5kWithSpram(bundleDir: string, m: Manifest, cells: Ice40Cells, tool: YosysTool, o: EstimateOptions, bin: string): Promise<PartEstimate | null> {
  const part = ICE40_PARTS.up5k;
  const problems = ice40FitProblems(cells, ioPins(m), part);
  const ebrOnly = problems.length > 0 && problems.every((p) => p.includes(" EBR,"));
  if (!ebrOnly || !m.memories.some((x) => x.role === "activations")) return null;
  try {
    const r = await synthesize(bundleDir, m, "ice40-spram", { tool, timeoutMs: o.timeoutMs, cacheDir: o.cacheDir });
    o.onProgress?.(`${m.name}: ice40 synthesis with SPRAM buffers ${r.cached ? "(cached)" : `${r.seconds.toFixed(1)} s`}`);
    return await placeOn(m, ice40Cells(r.stats), r.netlist!, part, UP5K_SPRAM_LABEL, o, bin);
  } catch (err) {
    if (!(err instanceof TritforgeError)) throw err;
    return { part: UP5K_SPRAM_LABEL, fits: false, problems: [err.message] };
  }
}

/** All cost figures of the bundle in `bundleDir`. */
export async function estimateDesign(bundleDir: string, o: EstimateOptions = {}): Promise<Estimate> {
  const m = loadManifest(bundleDir);
  const synth = o.synth ?? true;
  const pnr = synth && (o.pnr ?? true);
  const tool = synth ? (typeof o.yosys === "object" ? o.yosys : findYosys(o.yosys ?? "auto")) : null;
  const nextpnr = pnr ? findNextpnr(o.nextpnrBin) : null;
  const mem = memorySummary(m);
  const { ice40, xilinx, ...bits } = mem;
  const estimate: Estimate = {
    format: "tritforge-estimate",
    version: 1,
    name: m.name,
    top: m.top,
    arch: m.arch,
    latency: m.timing.latency,
    interval: m.timing.interval,
    ioPins: ioPins(m),
    memory: { ...bits, ice40: { ebr: ice40.ebr }, xilinx: { ramb18: xilinx.ramb18, ramb36: xilinx.ramb36, ramb36Equivalent: xilinx.ramb36Equivalent, lutramLuts: xilinx.lutramLuts } },
    analytic: analyticEstimate(m),
    synthesis: null,
    pnr: null,
  };
  if (!tool) return estimate;
  const { s, netlist } = await runTargets(resolve(bundleDir), m, tool, o);
  estimate.synthesis = s;
  if (nextpnr && s.ice40 && !isFailed(s.ice40) && netlist) {
    estimate.pnr = await runParts(m, s.ice40, netlist, o, nextpnr);
    const spram = (o.parts ?? ["up5k"]).includes("up5k") ? await up5kWithSpram(resolve(bundleDir), m, s.ice40, tool, o, nextpnr) : null;
    if (spram) estimate.pnr.push(spram);
  }
  return estimate;
}

export interface BatchItem {
  bundleDir: string;
  estimate?: Estimate;
  error?: string;
}

/** Estimates several bundles one after another; a bundle that fails is reported and the rest go on. */
export async function estimateDesigns(bundleDirs: string[], o: EstimateOptions = {}): Promise<BatchItem[]> {
  const out: BatchItem[] = [];
  for (const bundleDir of bundleDirs) {
    try {
      out.push({ bundleDir, estimate: await estimateDesign(bundleDir, o) });
    } catch (err) {
      if (!(err instanceof TritforgeError)) throw err;
      out.push({ bundleDir, error: err.message });
    }
  }
  return out;
}
