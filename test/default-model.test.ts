/**
 * The shipped default model end to end: its recorded accuracy is the integer model's on the
 * official test set, the committed hardware bundle is exactly what the generator produces, and the
 * RTL computes the reference's integers on real test images.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TRAINED_DEFAULT_MODEL } from "../src/cli/common.js";
import { loadDataset } from "../src/data/datasets.js";
import { loadNetwork } from "../src/ir/io.js";
import { evaluate, scorePredictions } from "../src/reference/infer.js";
import { inferFast } from "../src/reference/fast.js";
import { generateBundle } from "../src/hw/registry.js";
import { cosimulate } from "../src/sim/cosim.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-default-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const net = loadNetwork(TRAINED_DEFAULT_MODEL);
const test = loadDataset("fashion-mnist").test;

const listFiles = (dir: string, sub = ""): string[] =>
  readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, join(sub, e.name)) : [join(sub, e.name)])).sort();

describe("shipped default model", () => {
  it("is a trained ternary Fashion-MNIST network whose recorded accuracy is the integer model's", async () => {
    expect(net.provenance).toMatchObject({ source: "trained", untrained: false, dataset: "fashion-mnist" });
    expect(net.layers.every((l) => l.kind !== "dense" || l.levels === 3)).toBe(true);
    const r = await inferFast(net, test.images, test.count);
    const { correct } = scorePredictions(r, test.labels);
    expect(correct).toBe(net.provenance.accuracy!.correct);
    expect(net.provenance.accuracy!.samples).toBe(10000);
    expect(correct / test.count).toBeGreaterThanOrEqual(0.875);
    // The typed-array engine agrees on a slice.
    expect(evaluate(net, test.images.subarray(0, 500 * 784), test.labels.subarray(0, 500)).correct).toBe(
      Array.from(r.predicted.subarray(0, 500)).filter((p, i) => p === test.labels[i]).length,
    );
  });

  it("regenerates the committed hardware bundle byte for byte", async () => {
    const committed = join("hw", net.name);
    await generateBundle(net, join(work, "bundle"), "mac-array", { lanes: 16 });
    const files = listFiles(committed);
    // estimate.json is measured, not generated: it is the only file the generator does not write.
    expect(listFiles(join(work, "bundle"))).toEqual(files.filter((f) => f !== "estimate.json"));
    for (const f of files) {
      if (f === "estimate.json") continue;
      expect(readFileSync(join(work, "bundle", f), "utf8"), f).toBe(readFileSync(join(committed, f), "utf8"));
    }
  });

  it("RTL equals the reference on the first 12 Fashion-MNIST test images", async () => {
    const count = 12;
    const r = await cosimulate(net, join(work, "bundle"), test.images, count, { runDir: join(work, "run") });
    expect(r.mismatches).toEqual([]);
    expect(r.sim.vectors.map((v) => v.predicted)).toEqual(Array.from((await inferFast(net, test.images, count)).predicted));
    const manifest = loadManifest(join("hw", net.name));
    expect(r.cycles).toEqual(new Array(count).fill(manifest.timing.latency));
  });
});
