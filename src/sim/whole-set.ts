/**
 * Many vectors through the RTL: a run is split into contiguous slices, each simulated by its own
 * simulator process (`jobs` at a time), every integer compared with the reference (the fast
 * engine), and the slice results merged. The same merge joins shard files written by separate
 * machines (`--shard i/n`, `--merge`), so a very large run can be spread with GNU parallel or a
 * Slurm array.
 */
import { availableParallelism } from "node:os";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Manifest } from "../hw/bundle/manifest.js";
import { parseWith, readJsonFile } from "../hw/bundle/manifest.js";
import { inferFast } from "../reference/fast.js";
import { inputSize } from "../reference/infer.js";
import { childCpuSeconds } from "../util/cpu.js";
import { TritforgeError } from "../util/errors.js";
import type { Bundle } from "./bundle.js";
import { compareWithReference, type Mismatch } from "./cosim.js";
import { simulateBundle, simulatorNamed } from "./run.js";
import { timingVerdict } from "./timing.js";
import type { SimulatorName } from "./simulator.js";
import type { PickedVectors } from "./vectors.js";

export const defaultJobs = (): number => availableParallelism();

export interface Shard {
  /** 1-based. */
  index: number;
  of: number;
}

/** "i/n" with 1 <= i <= n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const of = m ? Number(m[2]) : NaN;
  if (!m || of < 1 || index < 1 || index > of) throw new TritforgeError(`--shard must be i/n with 1 <= i <= n (e.g. 2/8), got "${text}"`);
  return { index, of };
}

/** The contiguous slice [first, first + count) of `total` vectors that part `index` of `of` runs. */
export function sliceOf(total: number, index: number, of: number): { first: number; count: number } {
  const first = Math.floor(((index - 1) * total) / of);
  return { first, count: Math.floor((index * total) / of) - first };
}

const MAX_LISTED_MISMATCHES = 20;

export const SliceResultSchema = z.strictObject({
  format: z.literal("tritforge-sim-slice"),
  version: z.literal(1),
  /** The bundle folder as the user named it. */
  bundle: z.string(),
  name: z.string(),
  /** SHA-256 of the bundle's manifest.json: slices of different designs never merge. */
  manifestDigest: z.string(),
  simulator: z.enum(["icarus", "verilator"]),
  stall: z.number().int().nonnegative(),
  seed: z.number().int(),
  /** Vectors of the whole run, and where this result's slices lie in it. */
  total: z.number().int().positive(),
  slices: z.array(z.strictObject({ first: z.number().int().nonnegative(), count: z.number().int().positive() })).min(1),
  source: z.string(),
  vectors: z.number().int().nonnegative(),
  vectorsEqual: z.number().int().nonnegative(),
  mismatches: z.number().int().nonnegative(),
  firstMismatches: z.array(z.strictObject({ vector: z.number().int(), field: z.string(), rtl: z.number(), reference: z.number() })),
  labelled: z.boolean(),
  rtlCorrect: z.number().int().nonnegative(),
  referenceCorrect: z.number().int().nonnegative(),
  latency: z.strictObject({ min: z.number().int(), max: z.number().int() }),
  /** Latency of each slice's first vector (an empty pipeline), the largest over slices. */
  firstLatency: z.number().int(),
  /** Measured interval (sim/timing.ts: the largest gap between starts, or the steady-state gap of an overlapping architecture), the largest over slices. */
  interval: z.number().int().nullable(),
  /** Every slice met the timing verdict of sim/timing.ts (true under stalls: not checked). */
  timingOk: z.boolean(),
  simulatedCycles: z.number().int().nonnegative(),
  /** Sum of the simulator processes' run times, and of their build times. */
  simSeconds: z.number().nonnegative(),
  buildSeconds: z.number().nonnegative(),
  /** CPU seconds of the simulator processes (null where the OS does not tell). */
  cpuSeconds: z.number().nonnegative().nullable(),
});
export type SliceResult = z.infer<typeof SliceResultSchema>;

export const manifestDigest = (bundleDir: string): string => createHash("sha256").update(readFileSync(join(bundleDir, "manifest.json"))).digest("hex");

export interface RunOptions {
  simulator: SimulatorName;
  jobs: number;
  stall: number;
  seed: number;
  /** Run only these vectors of the picked set (default all). */
  first?: number;
  count?: number;
  runRoot: string;
  /** The bundle folder as the user named it (for reports). */
  bundleName: string;
  onProgress?: (line: string) => void;
}

/** Simulates vectors [first, first + count) of `picked` in `jobs` parallel simulator processes. */
export async function runSlice(b: Bundle, picked: PickedVectors, o: RunOptions): Promise<SliceResult> {
  const first = o.first ?? 0;
  const count = o.count ?? picked.count - first;
  const n = inputSize(b.network);
  const parts = Math.max(1, Math.min(o.jobs, count));
  // Build once before the parallel runs (they then all find it cached).
  const build = await simulatorNamed(o.simulator).build(b.dir, b.manifest);
  const cpu0 = childCpuSeconds();
  const results = await Promise.all(
    Array.from({ length: parts }, async (_, p) => {
      const s = sliceOf(count, p + 1, parts);
      const at = first + s.first;
      const inputs = picked.inputs.subarray(at * n, (at + s.count) * n);
      const [sim, ref] = await Promise.all([
        simulateBundle(b.dir, inputs, s.count, { simulator: o.simulator, stall: o.stall, seed: o.seed + at, manifest: b.manifest, runDir: join(o.runRoot, `${at}-${s.count}`) }),
        inferFast(b.network, inputs, s.count),
      ]);
      o.onProgress?.(`vectors ${at}..${at + s.count - 1}: ${sim.totalCycles} cycles in ${sim.wallSeconds.toFixed(1)} s`);
      const mismatches = compareWithReference(sim, ref, s.count, at);
      const labels = picked.labels;
      const correct = (pred: ArrayLike<number>) => (labels ? Array.from({ length: s.count }, (_, i) => (pred[i] === labels[at + i] ? 1 : 0) as number).reduce((x, y) => x + y, 0) : 0);
      const latencies = sim.vectors.map((v) => v.cycles);
      const verdict = o.stall ? null : timingVerdict(b.manifest, sim.vectors);
      const one: SliceResult = {
        format: "tritforge-sim-slice",
        version: 1,
        bundle: o.bundleName,
        name: b.manifest.name,
        manifestDigest: manifestDigest(b.dir),
        simulator: o.simulator,
        stall: o.stall,
        seed: o.seed,
        total: picked.count,
        slices: [{ first: at, count: s.count }],
        source: picked.source,
        vectors: s.count,
        vectorsEqual: s.count - new Set(mismatches.map((m) => m.vector)).size,
        mismatches: mismatches.length,
        firstMismatches: mismatches.slice(0, MAX_LISTED_MISMATCHES),
        labelled: labels !== null,
        rtlCorrect: correct(sim.vectors.map((v) => v.predicted)),
        referenceCorrect: correct(ref.predicted),
        latency: { min: Math.min(...latencies), max: Math.max(...latencies) },
        firstLatency: latencies[0]!,
        interval: verdict?.interval ?? null,
        timingOk: verdict?.ok ?? true,
        simulatedCycles: sim.totalCycles,
        simSeconds: sim.wallSeconds,
        buildSeconds: sim.buildSeconds,
        cpuSeconds: null,
      };
      return one;
    }),
  );
  const cpu1 = childCpuSeconds();
  const merged = mergeResults(results);
  return { ...merged, buildSeconds: build.seconds, cpuSeconds: cpu0 === null || cpu1 === null ? null : Number((cpu1 - cpu0).toFixed(2)) };
}

/** Joins slice results of one design and one run; refuses overlapping slices or different designs. */
export function mergeResults(parts: SliceResult[]): SliceResult {
  if (parts.length === 0) throw new TritforgeError("nothing to merge");
  const a = parts[0]!;
  for (const p of parts.slice(1)) {
    for (const k of ["manifestDigest", "simulator", "total", "stall", "seed", "source"] as const)
      if (p[k] !== a[k]) throw new TritforgeError(`cannot merge results of different runs: ${k} is ${JSON.stringify(a[k])} in one and ${JSON.stringify(p[k])} in another`);
  }
  const slices = parts.flatMap((p) => p.slices).sort((x, y) => x.first - y.first);
  for (let i = 1; i < slices.length; i++)
    if (slices[i]!.first < slices[i - 1]!.first + slices[i - 1]!.count) throw new TritforgeError(`cannot merge overlapping slices starting at vectors ${slices[i - 1]!.first} and ${slices[i]!.first}`);
  const sum = (f: (p: SliceResult) => number) => parts.reduce((s, p) => s + f(p), 0);
  const intervals = parts.map((p) => p.interval).filter((x): x is number => x !== null);
  return {
    ...a,
    slices,
    vectors: sum((p) => p.vectors),
    vectorsEqual: sum((p) => p.vectorsEqual),
    mismatches: sum((p) => p.mismatches),
    firstMismatches: parts.flatMap((p) => p.firstMismatches).sort((x, y) => x.vector - y.vector).slice(0, MAX_LISTED_MISMATCHES),
    rtlCorrect: sum((p) => p.rtlCorrect),
    referenceCorrect: sum((p) => p.referenceCorrect),
    latency: { min: Math.min(...parts.map((p) => p.latency.min)), max: Math.max(...parts.map((p) => p.latency.max)) },
    firstLatency: Math.max(...parts.map((p) => p.firstLatency)),
    interval: intervals.length ? Math.max(...intervals) : null,
    timingOk: parts.every((p) => p.timingOk),
    simulatedCycles: sum((p) => p.simulatedCycles),
    simSeconds: sum((p) => p.simSeconds),
    buildSeconds: sum((p) => p.buildSeconds),
    cpuSeconds: parts.every((p) => p.cpuSeconds !== null) ? Number(sum((p) => p.cpuSeconds!).toFixed(2)) : null,
  };
}

export function readSliceResult(file: string): SliceResult {
  return parseWith(SliceResultSchema, readJsonFile(file, "--merge"), file);
}

/** Vectors of the run the merged slices do not cover (empty when complete). */
export function missingVectors(r: SliceResult): number {
  return r.total - r.slices.reduce((s, x) => s + x.count, 0);
}

export interface RunSummary {
  bundle: string;
  simulator: SimulatorName;
  vectors: number;
  total: number;
  complete: boolean;
  mismatches: number;
  vectorsEqual: number;
  rtlAccuracy: number | null;
  referenceAccuracy: number | null;
  recordedAccuracy: number | null;
  latency: { predicted: number; measured: number | null; min: number; max: number };
  interval: { predicted: number; measured: number | null };
  simulatedCycles: number;
  simSeconds: number;
  buildSeconds: number;
  /** CPU seconds of the simulator processes, and simulated cycles per CPU second (load-independent). */
  cpuSeconds: number | null;
  cyclesPerCpuSecond: number | null;
  wallSeconds: number;
  cyclesPerSecond: number;
  source: string;
  firstMismatches: Mismatch[];
  ok: boolean;
}

/** The figures `npm run sim` prints, and whether the run met the guarantee. */
export function summarize(r: SliceResult, m: Manifest, recorded: number | null, wallSeconds: number): RunSummary {
  const stalled = r.stall > 0;
  const timingOk = stalled || r.timingOk;
  const rtlAccuracy = r.labelled ? r.rtlCorrect / r.vectors : null;
  const referenceAccuracy = r.labelled ? r.referenceCorrect / r.vectors : null;
  return {
    bundle: r.bundle,
    simulator: r.simulator,
    vectors: r.vectors,
    total: r.total,
    complete: missingVectors(r) === 0,
    mismatches: r.mismatches,
    vectorsEqual: r.vectorsEqual,
    rtlAccuracy,
    referenceAccuracy,
    recordedAccuracy: recorded,
    latency: { predicted: m.timing.latency, measured: stalled ? null : r.firstLatency, min: r.latency.min, max: r.latency.max },
    interval: { predicted: m.timing.interval, measured: stalled ? null : r.interval },
    simulatedCycles: r.simulatedCycles,
    simSeconds: Number(r.simSeconds.toFixed(3)),
    buildSeconds: Number(r.buildSeconds.toFixed(3)),
    cpuSeconds: r.cpuSeconds,
    cyclesPerCpuSecond: r.cpuSeconds ? Math.round(r.simulatedCycles / r.cpuSeconds) : null,
    wallSeconds: Number(wallSeconds.toFixed(3)),
    cyclesPerSecond: Math.round(r.simulatedCycles / Math.max(r.simSeconds, 1e-9)),
    source: r.source,
    firstMismatches: r.firstMismatches,
    ok: r.mismatches === 0 && timingOk && rtlAccuracy === referenceAccuracy,
  };
}
