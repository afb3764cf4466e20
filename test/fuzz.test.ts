/** The fuzzer: valid cases over the schema's ranges, greedy shrinking, reproducers, a resumable run. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BUDGET, fuzzCase, LIMITS, type FuzzCase } from "../src/fuzz/generate.js";
import { writeReproducer } from "../src/fuzz/repro.js";
import { shrink } from "../src/fuzz/shrink.js";
import { loadNetwork, parseNetwork, serializeNetwork } from "../src/ir/io.js";
import type { DenseLayer } from "../src/ir/schema.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-fuzz-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sizesOf = (c: FuzzCase) => [c.net.input.shape[0]!, ...(c.net.layers as DenseLayer[]).map((l) => l.outFeatures)];
const laneCycles = (c: FuzzCase) => sizesOf(c).slice(1).reduce((s, n, i) => s + Math.ceil(n / c.lanes) * c.lanes * sizesOf(c)[i]!, 0);

describe("fuzz cases", () => {
  const cases = Array.from({ length: 400 }, (_, i) => fuzzCase(7, i));

  it("are valid IRs, deterministic, and within the simulation budget", () => {
    expect(serializeNetwork(fuzzCase(7, 5).net)).toBe(serializeNetwork(cases[5]!.net));
    expect(serializeNetwork(fuzzCase(8, 5).net)).not.toBe(serializeNetwork(cases[5]!.net));
    for (const c of cases) {
      expect(() => parseNetwork(JSON.parse(serializeNetwork(c.net)))).not.toThrow();
      expect(laneCycles(c)).toBeLessThanOrEqual(DEFAULT_BUDGET.laneCycles);
      expect(c.inputs).toHaveLength(c.vectors * c.net.input.shape[0]!);
      expect(Math.max(...c.inputs)).toBeLessThanOrEqual(2 ** c.net.input.bits - 1);
    }
  });

  it("reach the ends of every range the schema allows", () => {
    const layers = cases.flatMap((c) => c.net.layers as DenseLayer[]);
    const rq = layers.flatMap((l) => (l.output.kind === "requant" ? [l.output] : []));
    const depths = new Set(cases.map((c) => c.net.layers.length));
    expect([...depths].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Math.min(...cases.flatMap(sizesOf))).toBe(LIMITS.width[0]);
    expect(Math.max(...cases.flatMap(sizesOf))).toBeGreaterThan(1000);
    expect(Math.min(...cases.map((c) => c.lanes))).toBe(1);
    expect(Math.max(...cases.map((c) => c.lanes))).toBeGreaterThan(512);
    expect(new Set(layers.map((l) => l.levels))).toContain(3);
    expect(new Set(layers.map((l) => l.levels))).toContain(255);
    expect(new Set(cases.map((c) => c.net.input.bits))).toEqual(new Set(Array.from({ length: 16 }, (_, i) => i + 1)));
    expect(Math.min(...rq.map((q) => q.shift))).toBe(0);
    // Shifts above 52 cannot pass the IR's 2^52 product bound (the rounding term alone is 2^(shift-1)).
    expect(Math.max(...rq.map((q) => q.shift))).toBeGreaterThanOrEqual(48);
    expect(Math.max(...rq.map((q) => q.multiplier))).toBeGreaterThan(2 ** 22);
    expect(new Set(rq.map((q) => q.bits)).size).toBe(16);
    expect(cases.some((c) => c.stall > 0) && cases.some((c) => c.stall === 0)).toBe(true);
  });
});

describe("shrinking", () => {
  it("drives a failing case down to the smallest variant that still fails", async () => {
    const c = cases0();
    // A stand-in bug: any network with two or more layers and two or more lanes fails.
    const fails = async (x: FuzzCase) => ({ failed: x.net.layers.length >= 2 && x.lanes >= 2, vector: 0 });
    const s = await shrink(c, fails, 0, 400);
    const small = s.smallest;
    expect(small.net.layers).toHaveLength(2);
    expect(small.lanes).toBe(2);
    expect(small.vectors).toBe(1);
    expect(small.stall).toBe(0);
    expect(sizesOf(small)).toEqual([1, 1, 1]);
    expect(s.steps).toBeGreaterThan(3);
  });

  it("writes a reproducer gen-rtl can load", () => {
    const c = cases0();
    const file = writeReproducer(work, c, c, "mismatch", "2 mismatching integers", "icarus");
    expect(serializeNetwork(loadNetwork(file))).toBe(serializeNetwork(c.net));
    const info = JSON.parse(readFileSync(file.replace(/\.json$/, ".case.json"), "utf8")) as { lanes: number; inputs: number[]; command: string };
    expect(info.lanes).toBe(c.lanes);
    expect(info.inputs).toEqual(c.inputs);
    expect(info.command).toBe(`npm run gen-rtl -- --model ${file} --lanes ${c.lanes} --simulator icarus`);
  });
});

/** A case with several layers, lanes and stalls to shrink from. */
function cases0(): FuzzCase {
  for (let i = 0; ; i++) {
    const c = fuzzCase(11, i);
    if (c.net.layers.length >= 4 && c.lanes >= 8 && c.vectors >= 2) return { ...c, stall: 10 };
  }
}

describe("npm run fuzz", () => {
  it("co-simulates cases, then resumes from its state file", () => {
    const state = join(work, "state.json");
    const run = (count: number) => spawnSync(process.execPath, ["--import", "tsx", "src/cli/fuzz.ts", "--count", String(count), "--seed", "3", "--state", state, "--no-progress"], { encoding: "utf8" });
    const a = run(2);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^fuzz seed 3 \(icarus\): 2 cases, 2 passed, 0 failed; 4 vectors, \d+ integers compared/);
    const b = run(3);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/: 3 cases, 3 passed, 0 failed; 6 vectors/);
    const s = JSON.parse(readFileSync(state, "utf8")) as { next: number; passed: number };
    expect([s.next, s.passed]).toEqual([3, 3]);
    const other = spawnSync(process.execPath, ["--import", "tsx", "src/cli/fuzz.ts", "--count", "3", "--seed", "4", "--state", state], { encoding: "utf8" });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/^error: .*belongs to another run \(seed 3/);
  });
});
