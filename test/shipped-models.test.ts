/**
 * The trained models shipped in models/ (besides the gen-rtl default, see default-model.test.ts):
 * each one's recorded accuracy is what the bit-exact integer model computes on the official
 * 10,000 test images, and each meets the accuracy the training issue asks for.
 */
import { describe, expect, it } from "vitest";
import { loadDataset, type DatasetName } from "../src/data/datasets.js";
import { loadNetwork } from "../src/ir/io.js";
import { evaluate, scorePredictions } from "../src/reference/infer.js";
import { inferFast } from "../src/reference/fast.js";

const cases: Array<{ file: string; dataset: DatasetName; floor: number; float: number }> = [
  { file: "models/fashion-ternary-cnn-16-16-32.json", dataset: "fashion-mnist", floor: 0.89, float: 0.89 },
  { file: "models/mnist-ternary-256x3.json", dataset: "mnist", floor: 0.975, float: 0.98 },
  { file: "models/mnist-ternary-32.json", dataset: "mnist", floor: 0.95, float: 0.95 },
];

describe("shipped trained models", () => {
  for (const c of cases) {
    it(`${c.file}: recorded accuracy = integer model on 10,000 test images, >= ${c.floor * 100}%`, async () => {
      const net = loadNetwork(c.file);
      const test = loadDataset(c.dataset).test;
      expect(net.provenance).toMatchObject({ source: "trained", untrained: false, dataset: c.dataset });
      const r = await inferFast(net, test.images, test.count);
      const { correct, accuracy } = scorePredictions(r, test.labels);
      expect(net.provenance.accuracy).toMatchObject({ split: "test", samples: 10000, correct });
      expect(accuracy).toBeGreaterThanOrEqual(c.floor);
      expect(net.provenance.metrics?.float).toBeGreaterThanOrEqual(c.float);
      // The typed-array oracle agrees with the fast engine on a slice.
      const n = 200;
      const size = test.images.length / test.count;
      expect(evaluate(net, test.images.subarray(0, n * size), test.labels.subarray(0, n)).correct).toBe(
        Array.from(r.predicted.subarray(0, n)).filter((p, i) => p === test.labels[i]).length,
      );
    });
  }
});
