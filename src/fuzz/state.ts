/**
 * The fuzz run's state file: where a run stands (next case), what failed, and what the cases
 * covered. Written atomically after every case, so a killed run resumes where it stopped; it is
 * also the run's summary.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type { DenseLayer } from "../ir/schema.js";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { CaseResult } from "./check.js";
import type { FuzzBudget, FuzzCase } from "./generate.js";

const range = z.tuple([z.number(), z.number()]).nullable();

const StateSchema = z.strictObject({
  format: z.literal("tritforge-fuzz"),
  version: z.literal(1),
  seed: z.number().int(),
  simulator: z.string(),
  budget: z.strictObject({ laneCycles: z.number().int(), vectors: z.number().int() }),
  /** Index of the next case to run; cases 0 .. next-1 are done. */
  next: z.number().int().min(0),
  passed: z.number().int().min(0),
  failures: z.array(z.strictObject({ index: z.number().int(), kind: z.string(), message: z.string(), reproducer: z.string().nullable() })),
  totals: z.strictObject({ vectors: z.number().int(), integersCompared: z.number().int(), simulatedCycles: z.number().int(), seconds: z.number() }),
  coverage: z.strictObject({
    depth: z.record(z.string(), z.number().int()),
    width: range,
    lanes: range,
    levels: range,
    inputBits: range,
    signalBits: range,
    shift: range,
    multiplier: range,
    weights: range,
    stalledCases: z.number().int(),
    lanesAbove64: z.number().int(),
  }),
});
export type FuzzState = z.infer<typeof StateSchema>;

export function newState(seed: number, simulator: string, budget: FuzzBudget): FuzzState {
  return {
    format: "tritforge-fuzz",
    version: 1,
    seed,
    simulator,
    budget,
    next: 0,
    passed: 0,
    failures: [],
    totals: { vectors: 0, integersCompared: 0, simulatedCycles: 0, seconds: 0 },
    coverage: { depth: {}, width: null, lanes: null, levels: null, inputBits: null, signalBits: null, shift: null, multiplier: null, weights: null, stalledCases: 0, lanesAbove64: 0 },
  };
}

/** The state in `file` when it belongs to the same run (seed, simulator, budget); a fresh one when there is none. */
export function loadState(file: string, fresh: FuzzState): FuzzState {
  if (!existsSync(file)) return fresh;
  let s: FuzzState;
  try {
    s = StateSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch (err) {
    throw new TritforgeError(`${file} is not a fuzz state file: ${(err as Error).message.split("\n")[0]}`);
  }
  if (s.seed !== fresh.seed || s.simulator !== fresh.simulator || JSON.stringify(s.budget) !== JSON.stringify(fresh.budget))
    throw new TritforgeError(`${file} belongs to another run (seed ${s.seed}, ${s.simulator}, budget ${JSON.stringify(s.budget)}); pass another --state or the same settings`);
  return s;
}

export const saveState = (file: string, s: FuzzState): void => writeFileAtomic(file, JSON.stringify(s, null, 1) + "\n");

const widen = (r: [number, number] | null, ...v: number[]): [number, number] | null =>
  v.length === 0 ? r : [Math.min(r?.[0] ?? Infinity, ...v), Math.max(r?.[1] ?? -Infinity, ...v)];

/** Adds a finished case to the state (the caller saves it). */
export function record(s: FuzzState, c: FuzzCase, r: CaseResult, reproducer: string | null): void {
  const layers = c.net.layers as DenseLayer[];
  const cov = s.coverage;
  cov.depth[layers.length] = (cov.depth[layers.length] ?? 0) + 1;
  cov.width = widen(cov.width, c.net.input.shape[0]!, ...layers.map((l) => l.outFeatures));
  cov.lanes = widen(cov.lanes, c.lanes);
  cov.levels = widen(cov.levels, ...layers.map((l) => l.levels));
  cov.inputBits = widen(cov.inputBits, c.net.input.bits);
  const rq = layers.flatMap((l) => (l.output.kind === "requant" ? [l.output] : []));
  cov.signalBits = widen(cov.signalBits, ...rq.map((q) => q.bits));
  cov.shift = widen(cov.shift, ...rq.map((q) => q.shift));
  cov.multiplier = widen(cov.multiplier, ...rq.map((q) => q.multiplier));
  cov.weights = widen(cov.weights, layers.reduce((n, l) => n + l.weights.length, 0));
  if (c.stall) cov.stalledCases++;
  if (c.lanes > 64) cov.lanesAbove64++;
  const classes = layers[layers.length - 1]!.outFeatures;
  s.totals.vectors += c.vectors;
  if (r.ok) s.totals.integersCompared += c.vectors * (classes + 1);
  s.totals.simulatedCycles += r.simulatedCycles;
  s.totals.seconds = Number((s.totals.seconds + r.seconds).toFixed(1));
  if (r.ok) s.passed++;
  else s.failures.push({ index: c.index, kind: r.kind, message: r.message.slice(0, 300), reproducer });
  s.next = c.index + 1;
}
