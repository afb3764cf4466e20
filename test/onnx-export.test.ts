/**
 * ONNX Runtime as a second oracle: the integer ONNX export of a network, run by ONNX Runtime's own
 * loader and CPU kernels, gives every logit the bit-exact reference gives.
 * (Whole test sets are a measured command, see docs/interop.md; CI runs the first 500 images.)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDataset, type DatasetName } from "../src/data/datasets.js";
import { loadNetwork } from "../src/ir/io.js";
import { randomConvNetwork, randomDenseNetwork, randomInputs } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { integerOnnx } from "../src/onnx/export-int.js";
import { checkWithOnnxRuntime } from "../src/onnx/runtime.js";
import { evaluate } from "../src/reference/infer.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-onnx-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const shipped: Array<{ file: string; dataset: DatasetName }> = [
  { file: "models/fashion-ternary-256x3.json", dataset: "fashion-mnist" },
  { file: "models/mnist-ternary-256x3.json", dataset: "mnist" },
  { file: "models/mnist-ternary-32.json", dataset: "mnist" },
  { file: "models/fashion-ternary-cnn-16-16-32.json", dataset: "fashion-mnist" },
];
const N = 500;

describe("integer ONNX export in ONNX Runtime", () => {
  for (const c of shipped) {
    it(`${c.file}: every logit of the first ${N} test images equals the reference`, async () => {
      const net = loadNetwork(c.file);
      const test = loadDataset(c.dataset).test;
      const r = await checkWithOnnxRuntime(net, integerOnnx(net), test.images, N, test.labels);
      expect(r.logits).toBe(N * 10);
      expect(r.mismatches).toBe(0);
      expect(r.correct).toBe(evaluate(net, test.images.subarray(0, N * 784), test.labels.subarray(0, N)).correct);
    });
  }

  const randomNets: Array<[string, Network, number]> = [
    ["random dense 5-level, 6-bit signals", randomDenseNetwork({ name: "r_dense", seed: 3, sizes: [37, 19, 11, 4], levels: 5, signalBits: 6, inputBits: 7 }), 7],
    ["random CNN on 12x12x3", randomConvNetwork({ name: "r_conv", seed: 5, input: [12, 12, 3], conv: [4, 6], classes: 5 }), 8],
  ];
  for (const [what, net, bits] of randomNets) {
    it(`${what}: every logit on random and all-max inputs equals the reference`, async () => {
      const size = net.input.shape.reduce((a, b) => a * b, 1);
      const inputs = new Uint8Array([...randomInputs(9, 300, size, bits), ...randomInputs(9, 2, size, bits, "max")]);
      const r = await checkWithOnnxRuntime(net, integerOnnx(net), inputs, 302);
      expect(r.mismatches).toBe(0);
      expect(r.samples).toBe(302);
    });
  }

  it("a graph of a different network is caught (the comparison can fail)", async () => {
    const net = loadNetwork("models/mnist-ternary-32.json");
    const other = structuredClone(net);
    const fc0 = other.layers[0]!;
    if (fc0.kind !== "dense") throw new Error("unexpected layer");
    fc0.bias[0] = fc0.bias[0]! + 1000;
    const test = loadDataset("mnist").test;
    const r = await checkWithOnnxRuntime(net, integerOnnx(other), test.images, 50);
    expect(r.mismatches).toBeGreaterThan(0);
  });

  it("refuses signals wider than 8 bits with one line", () => {
    const net = randomDenseNetwork({ name: "wide", seed: 1, sizes: [8, 4, 3], signalBits: 10 });
    expect(() => integerOnnx(net)).toThrow(/^ONNX export of wide: fc0 outputs 10-bit signals; the integer ONNX kernels read uint8/);
  });

  it("npm run export --check: ONNX file written, 0 mismatches; bad --out refused with one line", () => {
    const out = join(work, "m.onnx");
    const run = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "src/cli/export.ts", ...args], { encoding: "utf8" });
    const r = run(["--model", "models/mnist-ternary-32.json", "--format", "onnx", "--out", out, "--check", "--samples", "200", "--json"]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { check: { mismatches: number; logits: number } };
    expect(j.check).toMatchObject({ mismatches: 0, logits: 2000 });
    expect(existsSync(out)).toBe(true);
    const bad = run(["--model", "models/mnist-ternary-32.json", "--out", join(work, "m.txt")]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: --out must name a \.onnx file, got .*m\.txt\n$/);
  });
});
