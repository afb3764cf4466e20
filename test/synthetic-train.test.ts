/**
 * A non-MNIST shape end to end: seeded synthetic 12x12x3 images with 5 classes (IDX and .npy
 * folders) train, quantize and retrain; the IR carries the data's shape and class count; gen-rtl
 * builds the FFDNNs and the CNN and co-simulates them bit-exact on the folders' own test images; the integer
 * ONNX export agrees with the reference on every logit in ONNX Runtime.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { saveNetwork } from "../src/ir/io.js";
import type { Network } from "../src/ir/schema.js";
import { integerOnnx } from "../src/onnx/export-int.js";
import { checkWithOnnxRuntime } from "../src/onnx/runtime.js";
import { evaluate } from "../src/reference/infer.js";
import { quantizeAndRetrain, trainFloat } from "../src/train/api.js";
import { loadModel } from "../src/train/store.js";
import { syntheticImages, writeSynthetic } from "./synthetic-data.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-synth-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const synth = syntheticImages(11, [12, 12, 3], 5, 600, 200);
const idxDir = writeSynthetic(join(work, "idx"), synth, "idx");
const npyDir = writeSynthetic(join(work, "npy"), synth, "npy");

const nets: Record<string, Network> = {};
const floatAcc: Record<string, number> = {};

beforeAll(async () => {
  const runs = [
    { key: "ffdnn-idx", dataset: idxDir, arch: { kind: "ffdnn" as const, hidden: [24] } },
    { key: "ffdnn-npy", dataset: npyDir, arch: { kind: "ffdnn" as const, hidden: [24] } },
    { key: "cnn-npy", dataset: npyDir, arch: { kind: "cnn" as const, conv: [4], dense: [] } },
  ];
  for (const r of runs) {
    const modelDir = join(work, r.key);
    const f = await trainFloat({ dataset: r.dataset, arch: r.arch, seed: 2, epochs: 6, batchSize: 32, modelDir, backend: "wasm" });
    floatAcc[r.key] = f.testAccuracy;
    const q = await quantizeAndRetrain({ modelDir, levels: 3, signalBits: 8, retrainEpochs: 2, seed: 2, name: r.key.replace(/-/g, "_"), backend: "wasm" });
    nets[r.key] = q.retrained!.network;
  }
});

describe("synthetic 12x12x3, 5 classes", () => {
  it("the float model records the data's shape; the IR has 432 (or 12x12x3) inputs and 5 logits", () => {
    expect(loadModel(join(work, "ffdnn-idx")).meta.arch).toEqual({ kind: "ffdnn", hidden: [24], input: [12, 12, 3], classes: 5 });
    const ff = nets["ffdnn-idx"]!;
    expect(ff.input.shape).toEqual([432]);
    expect(ff.layers.map((l) => (l.kind === "dense" ? [l.inFeatures, l.outFeatures] : l.kind))).toEqual([
      [432, 24],
      [24, 5],
    ]);
    const cnn = nets["cnn-npy"]!;
    expect(cnn.input.shape).toEqual([12, 12, 3]);
    expect(cnn.layers.map((l) => l.kind)).toEqual(["conv2d", "maxpool", "flatten", "dense"]);
    expect(cnn.layers[3]).toMatchObject({ inFeatures: 6 * 6 * 4, outFeatures: 5 });
  });

  it("IDX and .npy folders of the same data train to the same network", () => {
    expect(JSON.stringify(nets["ffdnn-idx"]!.layers)).toBe(JSON.stringify(nets["ffdnn-npy"]!.layers));
  });

  it("learns the task: float and retrained integer accuracy >= 90% on the 200 test images", () => {
    const test = loadDataset(npyDir).test;
    for (const key of Object.keys(nets)) {
      expect(floatAcc[key]).toBeGreaterThanOrEqual(0.9);
      const e = evaluate(nets[key]!, test.images, test.labels);
      expect(e.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(nets[key]!.provenance.accuracy).toMatchObject({ samples: 200, correct: e.correct });
    }
  });

  it("ONNX Runtime gives every logit of the reference on the whole synthetic test set", async () => {
    const test = loadDataset(npyDir).test;
    for (const key of Object.keys(nets)) {
      const r = await checkWithOnnxRuntime(nets[key]!, integerOnnx(nets[key]!), test.images, test.count, test.labels);
      expect(r).toMatchObject({ samples: 200, logits: 1000, mismatches: 0 });
    }
  });
});

describe("synthetic 12x12x3, 5 classes: RTL", () => {
  const expected: Record<string, string> = { "ffdnn-idx": "432-24-5", "ffdnn-npy": "432-24-5", "cnn-npy": "12x12x3-conv4-5" };
  for (const key of Object.keys(expected)) {
    it(`${key}: gen-rtl summary shows ${expected[key]}; co-simulation on the folder's test images is bit-exact`, () => {
      const file = join(work, `${key}.json`);
      saveNetwork(nets[key]!, file);
      const out = join(work, `hw-${key}`);
      const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/gen-rtl.ts", "--model", file, "--out", out, "--lanes", "4", "--vectors", "10"], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`layers    ${expected[key]}, levels 3/3, 8-bit inputs`);
      const dir = key.endsWith("idx") ? idxDir : npyDir;
      expect(r.stdout).toContain(`RTL = reference on 10/10 vectors (first 10 ${dir} test images), 0 mismatching integers`);
      const labels = /; (\d+)\/10 labels correct/.exec(r.stdout);
      expect(Number(labels?.[1])).toBeGreaterThanOrEqual(9);
      // npm run sim with ONNX Runtime as the second oracle on the same vectors.
      const sim = spawnSync(process.execPath, ["--import", "tsx", "src/cli/sim.ts", out, "--vectors", "6", "--jobs", "1", "--onnx", "--json"], { encoding: "utf8" });
      expect(sim.status).toBe(0);
      expect(JSON.parse(sim.stdout)).toMatchObject({ vectors: 6, vectorsEqual: 6, mismatches: 0, onnx: { samples: 6, logits: 30, mismatches: 0 } });
    });
  }
});
