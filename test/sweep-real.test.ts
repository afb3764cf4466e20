/**
 * The CI sweep: sweeps/ci-tiny.json (4 tiny FFDNNs x ternary on 2,000 Fashion-MNIST images) with the
 * real trainer, killed after its first point and resumed; then the store, the integer-model
 * accuracies and the ECR arithmetic are checked against the records.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { loadNetwork } from "../src/ir/io.js";
import { evaluate } from "../src/reference/infer.js";
import { toRows } from "../src/report/rows.js";
import { loadSweepConfig } from "../src/sweep/config.js";
import { expandPoints } from "../src/sweep/points.js";
import { readStore } from "../src/sweep/store.js";

const TSX = join("node_modules", ".bin", "tsx");
const CONFIG = "sweeps/ci-tiny.json";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("CI sweep with the real trainer", () => {
  it("kill after the first point, resume: every point once, integer-model accuracies, ECR from the float curve", async () => {
    const d = mkdtempSync(join(tmpdir(), "tf-sweep-real-"));
    const store = join(d, "ci.jsonl");
    const models = join(d, "models");
    const args = ["src/cli/sweep.ts", "--config", CONFIG, "--store", store, "--models", models, "--workers", "1"];
    const ids = expandPoints(loadSweepConfig(CONFIG)).map((p) => p.id);

    const child = spawn(TSX, args, { detached: true, stdio: "ignore" });
    const t0 = Date.now();
    while (readStore(store).records.length < 1) {
      if (Date.now() - t0 > 90_000) throw new Error("no point finished within 90 s");
      await sleep(100);
    }
    process.kill(-child.pid!, "SIGKILL");
    await sleep(300);
    const before = readStore(store).records.length;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThan(ids.length);

    const r = spawnSync(TSX, args, { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const { records, tornTail } = readStore(store);
    expect(tornTail).toBe(false);
    expect(records.map((x) => x.id).sort()).toEqual([...ids].sort());

    // Real learning: every float net beats chance by far; the 32-wide ones reach 60 %.
    for (const f of records) if (f.kind === "float") expect(f.result.testAccuracy).toBeGreaterThan(f.spec.arch.kind === "ffdnn" && f.spec.arch.hidden[0] === 32 ? 0.6 : 0.3);

    // The stored accuracy is the integer model's: re-evaluate the saved retrained IR with the reference.
    const test = loadDataset("fashion-mnist").test;
    const q = records.find((x) => x.kind === "quant" && x.spec.float.arch.kind === "ffdnn" && x.spec.float.arch.hidden.length === 2 && x.spec.float.arch.hidden[0] === 32);
    if (!q || q.kind !== "quant") throw new Error("missing the 32x2 ternary point");
    const net = loadNetwork(join(models, q.id, "retrained.json"));
    expect(evaluate(net, test.images, test.labels, test.count).accuracy).toBe(q.result.retrained!.accuracy);
    expect(q.result.direct.weightMemoryBits).toBe(2 * (784 * 32 + 32 * 32 + 32 * 10));

    // ECR by hand for that point, from the four float records.
    const floats = records.flatMap((x) => (x.kind === "float" ? [{ w: x.result.weightCount, a: x.result.testAccuracy }] : [])).sort((a, b) => a.w - b.w);
    const env = floats.filter((p, i) => floats.slice(0, i).every((s) => s.a < p.a));
    const acc = q.result.retrained!.accuracy;
    let expected: number;
    if (acc > env[env.length - 1]!.a) expected = (32 * env[env.length - 1]!.w) / q.result.retrained!.weightMemoryBits;
    else if (acc <= env[0]!.a) expected = (32 * env[0]!.w) / q.result.retrained!.weightMemoryBits;
    else {
      const i = env.findIndex((p) => p.a >= acc);
      const [lo, hi] = [env[i - 1]!, env[i]!];
      const t = (acc - lo.a) / (hi.a - lo.a);
      expected = (32 * Math.exp(Math.log(lo.w) + t * Math.log(hi.w / lo.w))) / q.result.retrained!.weightMemoryBits;
    }
    const row = toRows(records).find((x) => x.pointId === q.id && x.mode === "retrained")!;
    expect(row.ecr).toBeCloseTo(expected, 9);
  });
});
