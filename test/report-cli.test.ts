import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSweepConfig } from "../src/sweep/config.js";
import { expandPoints } from "../src/sweep/points.js";
import { runPoint } from "../src/sweep/run.js";
import { appendRecord } from "../src/sweep/store.js";
import * as fake from "./sweep-fake-trainer.js";

const TSX = join("node_modules", ".bin", "tsx");
const report = (args: string[]) => spawnSync(TSX, ["src/cli/report.ts", ...args], { encoding: "utf8" });

describe("report CLI", () => {
  it("reports only the points of the current config and writes the folder", async () => {
    const d = mkdtempSync(join(tmpdir(), "tf-report-cli-"));
    const cfg = { name: "rc", dataset: "fashion-mnist", seeds: [1], grid: { kind: "ffdnn", widths: [16, 32, 64], depths: [1] }, float: { epochs: 1 }, levels: [3], retrain: { epochs: 1 } };
    const cfgFile = join(d, "rc.json");
    writeFileSync(cfgFile, JSON.stringify(cfg));
    const store = join(d, "rc.jsonl");
    const modelRoot = join(d, "models");
    for (const p of expandPoints(parseSweepConfig(cfg))) await appendRecord(store, await runPoint(fake, p, { sweep: "rc", modelRoot }));
    // A point of an earlier version of the config (2 epochs) is in the store too.
    const old = expandPoints(parseSweepConfig({ ...cfg, float: { epochs: 2 } }))[0]!;
    await appendRecord(store, await runPoint(fake, old, { sweep: "rc", modelRoot: join(d, "old") }));
    const out = join(d, "report");
    const r = report(["--store", store, "--configs", cfgFile, "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^report: 6 points \(9 rows\) from 1 store/);
    expect(r.stderr).toContain("1 stored point(s) no longer in their sweep's config were left out");
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md).toContain("| rc | 6/6 | 3/3 |");
    expect(readFileSync(join(out, "points.csv"), "utf8").trim().split("\n")).toHaveLength(1 + 9);
  });

  it("fails in one line without leaving a report behind", () => {
    const d = mkdtempSync(join(tmpdir(), "tf-report-cli-bad-"));
    const out = join(d, "report");
    const r = report(["--store", join(d, "missing.jsonl"), "--configs", "sweeps/ci-tiny.json", "--out", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: store .*missing\.jsonl does not exist\n$/);
    writeFileSync(join(d, "empty.jsonl"), "");
    const e = report(["--store", join(d, "empty.jsonl"), "--configs", "sweeps/ci-tiny.json", "--out", out]);
    expect(e.stderr).toMatch(/^error: no finished points in /);
    expect(existsSync(out)).toBe(false);
  });
});
