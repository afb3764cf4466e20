/**
 * One fuzz case end to end: generate the bundle, co-simulate it against the reference, and compare
 * every integer and (without stalls) every vector's latency with the manifest's prediction.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateBundle } from "../hw/registry.js";
import { cosimulate, type Mismatch } from "../sim/cosim.js";
import type { SimulatorName } from "../sim/simulator.js";
import { TritforgeError } from "../util/errors.js";
import type { FuzzCase } from "./generate.js";

export interface CaseResult {
  ok: boolean;
  /** What went wrong: "mismatch", "cycles", "simulation" (a testbench or simulator failure), "generate". */
  kind: "pass" | "mismatch" | "cycles" | "simulation" | "generate";
  message: string;
  mismatches: Mismatch[];
  latency: number | null;
  simulatedCycles: number;
  seconds: number;
}

export interface CheckOptions {
  simulator: SimulatorName;
  /** Scratch folder; the case's bundle and run files go under it and are removed afterwards. */
  workDir: string;
  /** Keep the bundle (for a reproducer). */
  keep?: boolean;
}

export async function checkCase(c: FuzzCase, o: CheckOptions): Promise<CaseResult> {
  const t0 = performance.now();
  const dir = join(o.workDir, `case-${c.index}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(o.workDir, { recursive: true });
  const done = (r: Omit<CaseResult, "seconds">): CaseResult => {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  };
  let latency: number;
  try {
    latency = (await generateBundle(c.net, join(dir, "bundle"), "mac-array", { lanes: c.lanes }, { force: true })).manifest.timing.latency;
  } catch (err) {
    return done({ ok: false, kind: "generate", message: (err as Error).message, mismatches: [], latency: null, simulatedCycles: 0 });
  }
  try {
    const r = await cosimulate(c.net, join(dir, "bundle"), c.inputs, c.vectors, { simulator: o.simulator, stall: c.stall, seed: c.index + 1, runDir: join(dir, "run") });
    if (r.mismatches.length) return done({ ok: false, kind: "mismatch", message: `${r.mismatches.length} mismatching integers`, mismatches: r.mismatches, latency, simulatedCycles: r.sim.totalCycles });
    const off = c.stall ? -1 : r.cycles.findIndex((x) => x !== latency);
    if (off >= 0) return done({ ok: false, kind: "cycles", message: `vector ${off} took ${r.cycles[off]} cycles, predicted ${latency}`, mismatches: [], latency, simulatedCycles: r.sim.totalCycles });
    return done({ ok: true, kind: "pass", message: "", mismatches: [], latency, simulatedCycles: r.sim.totalCycles });
  } catch (err) {
    if (!(err instanceof TritforgeError)) throw err;
    return done({ ok: false, kind: "simulation", message: err.message, mismatches: [], latency, simulatedCycles: 0 });
  }
}
