/**
 * Sweeps sharing a store: per-point claims make two concurrent sweeps train each point exactly once;
 * a killed sweep's claims are taken over; a bad store is refused before any training; report warns
 * about skipped lines.
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { claimsDir } from "../src/sweep/claims.js";
import { loadSweepConfig } from "../src/sweep/config.js";
import { expandPoints } from "../src/sweep/points.js";
import { readStore } from "../src/sweep/store.js";

const TSX = join("node_modules", ".bin", "tsx");
const FAKE = "test/sweep-fake-trainer.ts";
const CONFIG = "sweeps/ci-tiny.json";
const points = expandPoints(loadSweepConfig(CONFIG));
const ids = points.map((p) => p.id);

const argsFor = (d: string, store = join(d, "s.jsonl")) => ["--config", CONFIG, "--store", store, "--models", join(d, "models"), "--trainer", FAKE];
function sweepSync(args: string[], env: Record<string, string> = {}) {
  return spawnSync(TSX, ["src/cli/sweep.ts", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}
function sweepAsync(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(TSX, ["src/cli/sweep.ts", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    c.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    c.on("exit", (code) => resolve({ code, stderr }));
  });
}
const lines = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : []);
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!;

describe("sweeps sharing a store", () => {
  it("two concurrent sweeps on one store train each point exactly once", async () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-two-"));
    const env = { TRITFORGE_FAKE_DELAY_MS: "400", TRITFORGE_FAKE_LOG: join(d, "float.log"), TRITFORGE_FAKE_QUANT_LOG: join(d, "quant.log") };
    const [a, b] = await Promise.all([sweepAsync([...argsFor(d), "--workers", "2"], env), sweepAsync([...argsFor(d), "--workers", "0"], env)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const stored = readStore(join(d, "s.jsonl")).records.map((r) => r.id);
    expect(stored.sort()).toEqual([...ids].sort());
    expect(new Set(lines(join(d, "float.log"))).size).toBe(lines(join(d, "float.log")).length);
    expect(lines(join(d, "float.log"))).toHaveLength(points.filter((p) => p.spec.kind === "float").length);
    expect(lines(join(d, "quant.log")).sort()).toEqual(points.filter((p) => p.spec.kind === "quant").map((p) => `q_${p.id}`).sort());
    expect(readdirSync(claimsDir(join(d, "s.jsonl")))).toEqual([]);
  });

  it("takes over the claim of a killed sweep, and leaves a live one's point alone", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-claims-"));
    const store = join(d, "s.jsonl");
    mkdirSync(claimsDir(store), { recursive: true });
    const [deadOne, liveOne] = points.filter((p) => p.spec.kind === "float");
    writeFileSync(join(claimsDir(store), deadOne!.id), JSON.stringify({ pid: deadPid(), host: hostname(), since: "x" }));
    writeFileSync(join(claimsDir(store), liveOne!.id), JSON.stringify({ pid: process.pid, host: hostname(), since: "x" }));
    const r = sweepSync([...argsFor(d), "--workers", "0"]);
    expect(r.status, r.stderr).toBe(0);
    const stored = new Set(readStore(store).records.map((x) => x.id));
    expect(stored.has(deadOne!.id)).toBe(true);
    expect(stored.has(liveOne!.id)).toBe(false);
    expect(r.stderr).toMatch(new RegExp(`note: \\d+ point\\(s\\) left to another sweep running them on this store \\(pid ${process.pid} on `));
  });

  it("refuses a store it cannot write, and a store that is a folder, in one line before training", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-bad-store-"));
    const log = join(d, "float.log");
    const file = join(d, "a-file");
    writeFileSync(file, "x");
    const unwritable = sweepSync(argsFor(d, join(file, "s.jsonl")), { TRITFORGE_FAKE_LOG: log });
    expect(unwritable.status).toBe(1);
    expect(unwritable.stderr).toMatch(/^error: .*a-file is not a folder\n$/);
    const folder = sweepSync(argsFor(d, d), { TRITFORGE_FAKE_LOG: log });
    expect(folder.status).toBe(1);
    expect(folder.stderr).toBe(`error: store ${d} is a folder, not a JSON-lines file\n`);
    expect(existsSync(log)).toBe(false);
    expect(existsSync(join(d, "models"))).toBe(false);
  });

  it("report warns in one line per store how many corrupt lines it skipped", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-corrupt-"));
    const store = join(d, "s.jsonl");
    expect(sweepSync([...argsFor(d, store), "--workers", "0"]).status).toBe(0);
    const text = readFileSync(store, "utf8").split("\n");
    text.splice(2, 0, '{"v":1,"id":"broken', "not json at all");
    writeFileSync(store, text.join("\n"));
    appendFileSync(store, '{"torn":');
    const r = spawnSync(TSX, ["src/cli/report.ts", "--store", store, "--configs", CONFIG, "--out", join(d, "report")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("warning:"))).toEqual([`warning: ${store}: skipped 3 corrupt line(s)`]);
  });
});
