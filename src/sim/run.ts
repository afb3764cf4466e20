/**
 * Runs a bundle's testbench in a simulator: writes the input vectors, builds (cached) and runs,
 * and parses the output packets. An AXI-Stream rule violation, a timeout or a failed run is a
 * one-line SimulationError.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadManifest, type Manifest } from "../hw/bundle/manifest.js";
import { beatLines, hexLines } from "../hw/common/rom.js";
import { TritforgeError } from "../util/errors.js";
import { icarus } from "./icarus.js";
import { parseSimOutput, verdict, type SimResult, type Simulator, type SimulatorName } from "./simulator.js";
import { verilator } from "./verilator.js";

export type { SimResult, SimVector, SimulatorName } from "./simulator.js";

export const simulators: Record<SimulatorName, Simulator> = { icarus, verilator };

export interface SimOptions {
  simulator?: SimulatorName;
  /** Percentage (0..99) of cycles in which the source inserts a gap and the sink withholds ready. */
  stall?: number;
  seed?: number;
  /** Folder for the run's files; default a fresh folder under sim/runs/. */
  runDir?: string;
  /** Manifest already loaded and checked by the caller. */
  manifest?: Manifest;
}

/** A simulation that ran but broke a rule (AXI-Stream violation, timeout, testbench error). */
export class SimulationError extends TritforgeError {}

export function simulatorNamed(name: string): Simulator {
  const s = simulators[name as SimulatorName];
  if (!s) throw new TritforgeError(`unknown simulator "${name}"; choose from ${Object.keys(simulators).join(", ")}`);
  return s;
}

/**
 * Simulates `count` input vectors (sample-major, interface.input.beats values each) through the
 * bundle's RTL and returns what came out of the output stream.
 */
export async function simulateBundle(bundleDir: string, inputs: ArrayLike<number>, count: number, opts: SimOptions = {}): Promise<SimResult> {
  const sim = simulatorNamed(opts.simulator ?? "icarus");
  sim.check();
  const bundle = resolve(bundleDir);
  const m = opts.manifest ?? loadManifest(bundle);
  const perBeat = m.interface.input.valuesPerBeat ?? 1;
  const values = m.interface.input.beats * perBeat;
  if (inputs.length < count * values) throw new TritforgeError(`need ${count * values} input values for ${count} vectors, got ${inputs.length}`);
  let runDir = opts.runDir;
  if (!runDir) {
    const root = resolve("sim", "runs");
    mkdirSync(root, { recursive: true });
    runDir = mkdtempSync(join(root, `${m.name}-`));
  }
  runDir = resolve(runDir);
  mkdirSync(runDir, { recursive: true });
  const inputFile = join(runDir, "inputs.hex");
  const outputFile = join(runDir, "outputs.txt");
  // One hex line per beat; a beat of several values packs value j in bits [j*bits +: bits].
  const bits = m.interface.input.valueBits;
  writeFileSync(inputFile, perBeat === 1 ? hexLines(inputs, count * values, bits) : beatLines(Array.from({ length: count * values }, (_, i) => inputs[i]!), bits, perBeat).join("\n") + "\n");
  writeFileSync(outputFile, "");
  // Generous: the interval-bound time of the whole run plus the first latency, x20 under stalls.
  const maxCycles = Math.max(1000, (m.timing.latency + m.timing.interval * count + 100) * (opts.stall ? 20 : 2));
  const build = await sim.build(bundle, m);
  const r = await sim.exec(build, { bundleDir: bundle, manifest: m, inputFile, outputFile, count, stall: opts.stall ?? 0, seed: opts.seed ?? 1, maxCycles });
  const v = verdict(r.stdout);
  if (!v.done) throw new SimulationError(`simulation of ${m.name} (${sim.name}) failed: ${v.why}`);
  const vectors = parseSimOutput(readFileSync(outputFile, "utf8"), m.interface.output.beats);
  return { simulator: sim.name, vectors, totalCycles: v.cycles, wallSeconds: r.wallSeconds, buildSeconds: build.seconds, runDir, outputFile };
}

/** Measured interval: the largest gap between successive starts (the steady state with no stalls). */
export function measuredInterval(vectors: ReadonlyArray<{ start: number }>): number | null {
  if (vectors.length < 2) return null;
  let worst = 0;
  for (let i = 1; i < vectors.length; i++) worst = Math.max(worst, vectors[i]!.start - vectors[i - 1]!.start);
  return worst;
}
