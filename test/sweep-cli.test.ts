import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandPoints } from "../src/sweep/points.js";
import { loadSweepConfig } from "../src/sweep/config.js";
import { readStore } from "../src/sweep/store.js";

const TSX = join("node_modules", ".bin", "tsx");
const FAKE = "test/sweep-fake-trainer.ts";
const CONFIG = "sweeps/ci-tiny.json";
const ids = expandPoints(loadSweepConfig(CONFIG)).map((p) => p.id);

function sweep(args: string[], env: Record<string, string> = {}) {
  return spawnSync(TSX, ["src/cli/sweep.ts", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sweep CLI (stand-in trainer)", () => {
  it("survives a kill mid-sweep: the rerun finishes the rest, nothing lost or duplicated, float models reused", async () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-cli-"));
    const store = join(d, "s.jsonl");
    const log = join(d, "float-trainings.log");
    const env = { TRITFORGE_FAKE_DELAY_MS: "300", TRITFORGE_FAKE_LOG: log };
    const args = ["--config", CONFIG, "--store", store, "--models", join(d, "models"), "--trainer", FAKE, "--workers", "1"];
    const child = spawn(TSX, ["src/cli/sweep.ts", ...args], { env: { ...process.env, ...env }, detached: true, stdio: "ignore" });
    const t0 = Date.now();
    while (readStore(store).records.length < 1) {
      if (Date.now() - t0 > 60_000) throw new Error("no point finished within 60 s");
      await sleep(50);
    }
    process.kill(-child.pid!, "SIGKILL"); // the whole process group: tsx, the sweep and its worker
    await sleep(300);
    const before = readStore(store).records;
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(ids.length);

    const r = sweep(args, env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${before.length} already in`);
    const after = readStore(store);
    expect(after.tornTail).toBe(false);
    expect(after.records.map((x) => x.id).sort()).toEqual([...ids].sort());
    // Every float model is trained once; one cut off by the kill may be trained again, nothing more.
    const trained = readFileSync(log, "utf8").trim().split("\n");
    expect(new Set(trained).size).toBe(4);
    expect(trained.length).toBeLessThanOrEqual(5);
    for (const rec of before.filter((x) => x.kind === "float")) expect(trained.filter((m) => m.endsWith(rec.id))).toHaveLength(1);

    // A third run has nothing to do.
    const again = sweep(args, env);
    expect(again.stdout).toContain(`running 0 with`);
    expect(readStore(store).records).toHaveLength(ids.length);
  });

  it("--jobs prints one runnable command per unfinished point; per-host stores merge into one", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-jobs-"));
    const models = join(d, "models");
    const jobs = sweep(["--config", CONFIG, "--store", join(d, "s.{host}.jsonl"), "--models", models, "--trainer", FAKE, "--jobs"]);
    expect(jobs.status, jobs.stderr).toBe(0);
    const lines = jobs.stdout.trim().split("\n");
    expect(lines).toHaveLength(ids.length);
    expect(lines[0]).toMatch(/^npm run --silent sweep -- --config sweeps\/ci-tiny\.json --point [0-9a-f]{16} --store '.*s\.\{host\}\.jsonl'/);
    // Simulate two machines: run half the commands into store A, half into store B, one point in both.
    const runJob = (line: string, storeFile: string) => {
      const args = line.replace(/^npm run --silent sweep -- /, "").split(" ").map((a) => a.replace(/^'|'$/g, ""));
      const i = args.indexOf("--store");
      args[i + 1] = storeFile;
      const r = sweep(args);
      expect(r.status, r.stderr).toBe(0);
    };
    const a = join(d, "a.jsonl");
    const b = join(d, "b.jsonl");
    lines.forEach((l, i) => runJob(l, i % 2 === 0 ? a : b));
    runJob(lines[1]!, a);
    const into = join(d, "all.jsonl");
    const m = sweep(["--merge", a, b, "--into", into]);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toContain(`${ids.length} records (${ids.length + 1} read, 1 duplicates dropped, 0 conflicts)`);
    expect(readStore(into).records.map((r) => r.id).sort()).toEqual([...ids].sort());
    // The merged store is complete: nothing left to print.
    const left = sweep(["--config", CONFIG, "--store", into, "--models", models, "--trainer", FAKE, "--jobs"]);
    expect(left.stdout.trim()).toBe("");
  });

  it("a worker that dies loses only its own point: the others finish, the sweep fails, a rerun completes", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-crash-"));
    const store = join(d, "s.jsonl");
    const args = ["--config", CONFIG, "--store", store, "--models", join(d, "models"), "--trainer", FAKE, "--workers", "2"];
    const r = sweep(args, { TRITFORGE_FAKE_CRASH: "16" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/worker exited \(code 9\) before finishing the point/);
    expect(r.stderr).toMatch(/error: 2 point\(s\) failed/);
    // The two width-16 quantized points died; the float points and the width-32 points are stored.
    expect(readStore(store).records).toHaveLength(ids.length - 2);
    const again = sweep(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("running 2 with");
    expect(readStore(store).records.map((x) => x.id).sort()).toEqual([...ids].sort());
  });

  it("rejects a bad config before training anything, in one line", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-bad-"));
    const r = sweep(["--config", "test/fixtures/does-not-exist.json", "--store", join(d, "s.jsonl"), "--trainer", FAKE]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: cannot read sweep config/);
    expect(existsSync(join(d, "s.jsonl"))).toBe(false);
    const u = sweep(["--config", CONFIG, "--point", "0123456789abcdef", "--store", join(d, "s.jsonl"), "--trainer", FAKE]);
    expect(u.status).toBe(1);
    expect(u.stderr).toMatch(/--point 0123456789abcdef is not a point of/);
    const mm = sweep(["--merge", join(d, "nope.jsonl"), "--into", join(d, "x.jsonl")]);
    expect(mm.stderr).toMatch(/^error: store .*nope\.jsonl does not exist/);
  });
});
