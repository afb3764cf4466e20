/**
 * Timing measured in co-simulation against the cycle model: the testbench records, per image, the
 * cycle of its first accepted input beat and of its last output beat; relative to image 0's first
 * beat these must equal predictSchedule exactly when neither port stalls.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Network } from "../../ir/schema.js";
import { cosimulate, type CosimReport } from "../../sim/cosim.js";
import type { SimOptions } from "../../sim/iverilog.js";
import { predictSchedule } from "./cycles.js";
import type { DfPlan } from "./plan.js";

export interface MeasuredImage {
  inputStart: number;
  outputEnd: number;
}

export interface TimingCheck {
  measured: MeasuredImage[];
  predicted: MeasuredImage[];
  /** Image 0: first input beat to last output beat, inclusive. */
  measuredLatency: number;
  /** Start of the last image minus start of the one before (the steady state on a long enough stream). */
  measuredInterval: number | null;
  /** Every image's first-input and last-output cycle equals the prediction. */
  exact: boolean;
}

/** Per-image first-input and last-output cycles from the testbench's output file, relative to image 0. */
export function readMeasuredTiming(outputsFile: string): MeasuredImage[] {
  const rows = readFileSync(outputsFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      const f = (line.split("|")[1] ?? "").trim().split(/\s+/).map(Number);
      if (f.length < 5 || f.some((v) => !Number.isFinite(v))) throw new Error(`${outputsFile} line ${i + 1} has no timing columns: "${line}"`);
      return { inputStart: f[3]!, outputEnd: f[4]! };
    });
  const t0 = rows[0]?.inputStart ?? 0;
  return rows.map((r) => ({ inputStart: r.inputStart - t0, outputEnd: r.outputEnd - t0 }));
}

export function checkTiming(plan: DfPlan, measured: MeasuredImage[]): TimingCheck {
  const predicted = predictSchedule(plan, measured.length).map((t) => ({ inputStart: t.inputStart, outputEnd: t.outputEnd }));
  const n = measured.length;
  return {
    measured,
    predicted,
    measuredLatency: n ? measured[0]!.outputEnd - measured[0]!.inputStart + 1 : 0,
    measuredInterval: n >= 2 ? measured[n - 1]!.inputStart - measured[n - 2]!.inputStart : null,
    exact: measured.every((m, k) => m.inputStart === predicted[k]!.inputStart && m.outputEnd === predicted[k]!.outputEnd),
  };
}

/** Co-simulates a dataflow bundle and, when nothing stalls, checks every image's timing. */
export async function cosimulateDataflow(
  net: Network,
  plan: DfPlan,
  bundleDir: string,
  inputs: ArrayLike<number>,
  count: number,
  opts: SimOptions = {},
): Promise<{ report: CosimReport; timing: TimingCheck | null }> {
  const report = await cosimulate(net, bundleDir, inputs, count, opts);
  const timing = opts.stall ? null : checkTiming(plan, readMeasuredTiming(join(report.sim.runDir, "outputs.txt")));
  return { report, timing };
}

/**
 * Images a back-to-back stream needs before successive starts are `plan.interval` apart for good:
 * the first image from which the predicted intervals stay at the steady state over a long horizon,
 * plus one (so the last measured interval is a steady one).
 */
export function steadyStateImages(plan: DfPlan): number {
  const horizon = 8 * (plan.layers.length + 3);
  const s = predictSchedule(plan, horizon);
  let first = horizon - 1;
  while (first > 1 && s[first]!.inputStart - s[first - 1]!.inputStart === plan.interval) first--;
  return first + 2;
}
