/** npm run sim on many vectors: slices, shards written with --out, --merge, and their refusals. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBundle } from "../src/hw/registry.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { parseShard, sliceOf } from "../src/sim/whole-set.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-shards-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dir = join(work, "bundle");
beforeAll(async () => {
  await generateBundle(randomDenseNetwork({ name: "shard_net", seed: 5, sizes: [9, 6, 4] }), dir, "mac-array", { lanes: 3 });
});

function sim(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/sim.ts", dir, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("slices", () => {
  it("cover every vector exactly once, in order", () => {
    for (const [total, n] of [[10, 3], [7, 7], [10000, 8], [3, 5]] as const) {
      const parts = Array.from({ length: n }, (_, i) => sliceOf(total, i + 1, n));
      expect(parts.reduce((s, p) => s + p.count, 0)).toBe(total);
      parts.forEach((p, i) => i > 0 && expect(p.first).toBe(parts[i - 1]!.first + parts[i - 1]!.count));
    }
  });
  it("--shard must be i/n with 1 <= i <= n", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, of: 8 });
    for (const bad of ["0/8", "9/8", "2", "a/b"]) expect(() => parseShard(bad)).toThrow(/--shard must be i\/n/);
  });
});

describe("npm run sim with shards", () => {
  it("two shards merged equal one run over both jobs", () => {
    const whole = sim(["--vectors", "7", "--jobs", "2", "--json"]);
    expect(whole.code).toBe(0);
    const w = JSON.parse(whole.stdout) as Record<string, unknown>;
    expect(w).toMatchObject({ vectors: 7, total: 7, complete: true, mismatches: 0, simulator: "icarus", rtlAccuracy: null });
    expect((w.latency as { measured: number; predicted: number }).measured).toBe((w.latency as { predicted: number }).predicted);
    expect((w.interval as { measured: number; predicted: number }).measured).toBe((w.interval as { predicted: number }).predicted);
    const a = join(work, "a.json");
    const b = join(work, "b.json");
    expect(sim(["--vectors", "7", "--shard", "1/2", "--jobs", "1", "--out", a, "--json"]).code).toBe(0);
    const half = sim(["--merge", a, "--json"]);
    expect(JSON.parse(half.stdout)).toMatchObject({ vectors: 3, total: 7, complete: false });
    expect(sim(["--vectors", "7", "--shard", "2/2", "--jobs", "1", "--out", b, "--json"]).code).toBe(0);
    const merged = JSON.parse(sim(["--merge", a, b, "--json"]).stdout) as Record<string, unknown>;
    for (const k of ["vectors", "total", "complete", "mismatches", "vectorsEqual", "simulatedCycles", "latency", "interval"]) expect(merged[k], k).toEqual(w[k]);
    const twice = sim(["--merge", a, a]);
    expect(twice.code).toBe(1);
    expect(twice.stderr.trim()).toMatch(/^error: cannot merge overlapping slices/);
  });

  it("--vectors all needs a model that names its test set", () => {
    const r = sim(["--vectors", "all"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: shard_net names no test set .*give --vectors a number$/);
  });
});

describe("a missing simulator", () => {
  it("names the Debian package in one line", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/sim.ts", dir, "--vectors", "1", "--simulator", "verilator"], { encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('error: verilator not found on PATH: install it with "apt-get install -y verilator"');
  });
});
