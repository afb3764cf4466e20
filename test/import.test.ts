/**
 * Import round trips: float networks trained here, written as float ONNX (checked in ONNX
 * Runtime's own loader too) and as TF.js Layers models, read back with the same weights and the
 * same float predictions on the whole 10,000-image test set; then the imported network is
 * quantized, retrained and turned into RTL that co-simulates bit-exact. Unsupported operators,
 * layers and structures are refused with one line naming them.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { saveImported, loadFloatNetwork } from "../src/import/float-model.js";
import { toTrainable, type Trainable } from "../src/import/network.js";
import { importOnnx, readOnnxFile } from "../src/import/onnx.js";
import { readTfjsModel, saveTfjsModel, writeLayersModel } from "../src/import/tfjs.js";
import { saveNetwork } from "../src/ir/io.js";
import type { Network } from "../src/ir/schema.js";
import { floatOnnx } from "../src/onnx/export-float.js";
import { decodeModel, encodeModel } from "../src/onnx/proto.js";
import { floatOnnxLogits } from "../src/onnx/runtime.js";
import { initBackend } from "../src/tf/backend.js";
import { quantizeAndRetrain, trainFloat } from "../src/train/api.js";
import { Engine } from "../src/train/engine.js";
import { batchTensor } from "../src/train/loop.js";
import { loadModel } from "../src/train/store.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-import-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const test = loadDataset("fashion-mnist").test;
const originals: Record<string, { dir: string; t: Trainable; predicted: Int32Array }> = {};

/** Float predictions (argmax) of a trainer-form network on every test image. */
function predictions(t: Trainable): Int32Array {
  const engine = new Engine(t.arch, t.weights, t.biases);
  const out = new Int32Array(test.count);
  for (let i0 = 0; i0 < test.count; i0 += 1000) {
    const n = Math.min(1000, test.count - i0);
    const x = batchTensor(test.images, Int32Array.from({ length: n }, (_, b) => i0 + b), n, t.arch);
    const p = tf.tidy(() => tf.argMax(engine.logits(x, null), 1));
    out.set(p.dataSync() as Int32Array, i0);
    x.dispose();
    p.dispose();
  }
  engine.dispose();
  return out;
}

const argmax = (logits: Float64Array, classes: number, count: number): Int32Array =>
  Int32Array.from({ length: count }, (_, s) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[s * classes + c]! > logits[s * classes + best]!) best = c;
    return best;
  });

beforeAll(async () => {
  await initBackend("wasm");
  const runs = [
    { key: "ffdnn", arch: { kind: "ffdnn" as const, hidden: [32] }, epochs: 3 },
    { key: "cnn", arch: { kind: "cnn" as const, conv: [4, 8], dense: [16] }, epochs: 2 },
  ];
  for (const r of runs) {
    const dir = join(work, `float-${r.key}`);
    await trainFloat({ dataset: "fashion-mnist", arch: r.arch, seed: 4, epochs: r.epochs, trainLimit: 3000, modelDir: dir, backend: "wasm" });
    const { trainable } = loadFloatNetwork(dir);
    originals[r.key] = { dir, t: trainable, predicted: predictions(trainable) };
  }
});

const sameParams = (a: Trainable, b: Trainable): void => {
  expect(b.arch).toEqual(a.arch);
  a.weights.forEach((w, i) => expect(Buffer.from(b.weights[i]!.buffer).equals(Buffer.from(w.buffer))).toBe(true));
  a.biases.forEach((w, i) => expect(Buffer.from(b.biases[i]!.buffer).equals(Buffer.from(w.buffer))).toBe(true));
};

describe("import round trips on the whole Fashion-MNIST test set", () => {
  for (const key of ["ffdnn", "cnn"]) {
    it(`${key}: float ONNX -> import gives the same weights and the same 10,000 predictions; ONNX Runtime agrees`, async () => {
      const o = originals[key]!;
      const { net } = loadFloatNetwork(o.dir);
      const file = join(work, `${key}.onnx`);
      const bytes = floatOnnx(net, key);
      writeFileSync(file, bytes);
      const back = await saveImported(readOnnxFile(file), file, "fashion-mnist", join(work, `onnx-${key}`), 1, "wasm");
      sameParams(o.t, back.trainable);
      sameParams(o.t, { ...loadModel(back.modelDir), arch: loadModel(back.modelDir).meta.arch });
      expect(Array.from(predictions(back.trainable))).toEqual(Array.from(o.predicted));
      // ONNX Runtime's own loader and kernels on the same file.
      const r = await floatOnnxLogits(bytes, net.input, test.images, test.count);
      expect(r.classes).toBe(10);
      const ortPredicted = argmax(r.logits, 10, test.count);
      const differ = ortPredicted.filter((p, i) => p !== o.predicted[i]).length;
      expect(differ).toBe(0);
    });

    it(`${key}: TF.js Layers model.save -> import gives the same weights and the same 10,000 predictions`, async () => {
      const o = originals[key]!;
      const dir = join(work, `tfjs-${key}`);
      mkdirSync(dir, { recursive: true });
      await saveTfjsModel(o.t, dir);
      expect(JSON.parse(readFileSync(join(dir, "model.json"), "utf8"))).toMatchObject({ format: "layers-model", weightsManifest: [{ paths: ["weights.bin"] }] });
      const back = toTrainable(await readTfjsModel(join(dir, "model.json")), "model.json");
      sameParams({ ...o.t, arch: { ...back.arch } }, back);
      expect(Array.from(predictions({ ...back, arch: o.t.arch }))).toEqual(Array.from(o.predicted));
    });
  }

  it("the imported FFDNN quantizes, retrains, generates RTL and co-simulates bit-exact", async () => {
    const net = readOnnxFile(join(work, "ffdnn.onnx"));
    const imported = await saveImported(net, "ffdnn.onnx", "fashion-mnist", join(work, "imported-q"), 1, "wasm");
    const q = await quantizeAndRetrain({ modelDir: imported.modelDir, levels: 3, signalBits: 8, retrainEpochs: 1, seed: 1, name: "imported_ffdnn", trainLimit: 3000, backend: "wasm" });
    expect(q.retrained!.network.input.shape).toEqual([784]);
    expect(q.retrained!.testAccuracy).toBeGreaterThan(0.6); // measured 67.5% (3 float epochs on 3,000 images, 1 retraining epoch)
    expect(genRtl(q.retrained!.network, 6)).toMatchObject({ vectors: 6, mismatches: 0, layers: [784, 32, 10] });
  });

  it("the imported CNN (TF.js) quantizes directly, generates RTL and co-simulates bit-exact", async () => {
    const net = await readTfjsModel(join(work, "tfjs-cnn", "model.json"));
    const imported = await saveImported(net, "model.json", "fashion-mnist", join(work, "imported-cnn"), 1, "wasm");
    const q = await quantizeAndRetrain({ modelDir: imported.modelDir, levels: 3, signalBits: 8, retrainEpochs: 0, seed: 1, name: "imported_cnn", trainLimit: 3000, backend: "wasm" });
    expect(q.direct.network.layers.map((l) => l.kind)).toEqual(["conv2d", "maxpool", "conv2d", "maxpool", "flatten", "dense", "dense"]);
    expect(genRtl(q.direct.network, 2)).toMatchObject({ vectors: 2, mismatches: 0 });
  });
});

/** gen-rtl (P = 8) and co-simulation of a network on its first test images; the --json summary. */
function genRtl(network: Network, vectors: number): { vectors: number; mismatches: number; layers: number[] } {
  const file = join(work, `${network.name}.json`);
  saveNetwork(network, file);
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/gen-rtl.ts", "--model", file, "--out", join(work, `hw-${network.name}`), "--lanes", "8", "--vectors", String(vectors), "--json"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as { vectors: number; mismatches: number; layers: number[] };
}

describe("unsupported operators, layers and structures: one line naming them", () => {
  it("an ONNX operator outside the set names the operator and its node", () => {
    const m = decodeModel(readFileSync(join(work, "ffdnn.onnx")), "x");
    const relu = m.graph!.node!.find((n) => n.opType === "Relu")!;
    relu.opType = "Sigmoid";
    expect(() => importOnnx(encodeModel(m), "sig.onnx")).toThrow(
      new RegExp(`^sig\\.onnx: operator Sigmoid \\(node "${relu.name}"\\) is not supported; supported: Gemm, MatMul, Add, Relu, Conv, MaxPool, Flatten, Reshape, Identity, Dropout$`),
    );
  });

  it("a TF.js layer outside the set names its class and layer", async () => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ units: 8, activation: "relu", inputShape: [784] }));
    model.add(tfl.layers.batchNormalization({ name: "bn1" }));
    model.add(tfl.layers.dense({ units: 10 }));
    const dir = join(work, "tfjs-bn");
    mkdirSync(dir, { recursive: true });
    await writeLayersModel(model, dir);
    await expect(readTfjsModel(join(dir, "model.json"))).rejects.toThrow(/model\.json: layer BatchNormalization \(layer "bn1"\) is not supported; supported: Dense, Conv2D, MaxPooling2D, Flatten, ReLU, Activation, Dropout, InputLayer$/);
  });

  it("a structure the trainer cannot quantize (5x5 convolution) is refused in one line", () => {
    const w = new Float32Array(4 * 25);
    const net = { input: [28, 28, 1], ops: [{ kind: "conv2d" as const, inChannels: 1, outChannels: 4, kernel: 5, padding: 2, weights: w, bias: new Float32Array(4) }] };
    expect(() => toTrainable(net, "five.onnx")).toThrow(/^five\.onnx: convolution 0 is 5x5 with padding 2, not 3x3 "same" \(network: conv 5x5 pad 2\); tritforge trains/);
  });

  it("npm run import: a bad file is one line and exit 1; a good one writes the IR", () => {
    const run = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "src/cli/import.ts", ...args], { encoding: "utf8" });
    writeFileSync(join(work, "junk.onnx"), "not a protobuf at all \u00ff\u00ff\u00ff");
    const bad = run(["--onnx", join(work, "junk.onnx"), "--dataset", "fashion-mnist", "--out", join(work, "junk.json")]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*junk\.onnx: not an ONNX model .*\n$/);
    const good = run(["--tfjs", join(work, "tfjs-ffdnn", "model.json"), "--dataset", "fashion-mnist", "--out", join(work, "tfjs-imported.json"), "--model-dir", join(work, "cli-float"), "--json"]);
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
    const s = JSON.parse(good.stdout) as { arch: string; float: number; direct: number };
    expect(s.arch).toBe("FFDNN 784-32-10");
    expect(s.direct).toBeGreaterThan(0.5);
  });
});
