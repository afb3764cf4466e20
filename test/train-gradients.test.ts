/**
 * The training engine's hand-written backward pass against independent answers:
 *  - FFDNN, float and quantized (straight-through estimator): against a plain double-precision
 *    implementation of the formulas written out here;
 *  - CNN (weight gradient by a batch/channel-swapped convolution or depthwise patches, max-pooling by upsampled comparison): against TF.js automatic differentiation
 *    on the cpu backend, which has real conv2d and max-pool gradient kernels.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../src/tf/backend.js";
import { paramShapes, type Architecture } from "../src/train/arch.js";
import { Engine, type QuantState } from "../src/train/engine.js";
import { initialParams } from "../src/train/api.js";
import { makeRng } from "../src/util/rng.js";

beforeAll(async () => {
  expect(await initBackend("cpu")).toBe("cpu");
});

const roundHalfAway = (x: number) => (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));

function randomBatch(n: number, seed: string): { pixels: Float64Array; labels: number[] } {
  const rng = makeRng(seed);
  const pixels = new Float64Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng.next() * 256);
  return { pixels, labels: Array.from({ length: n }, () => Math.floor(rng.next() * 10)) };
}

interface RefGrads {
  dw: Float64Array[];
  db: Float64Array[];
  loss: number;
  /** Counts of hidden units whose STE gradient is blocked below 0 and at the top of the range. */
  blockedLow: number;
  blockedHigh: number;
}

/**
 * 784-H-10 network, batch-major, in doubles. With `q`, the forward pass uses
 * Q(w) = delta * clamp(round(w / delta), -K, K), biases rounded to delta * s_in steps and hidden signals
 * clamp(round(y / s), 0, 2^B - 1) * s; the backward pass lets the gradient through where 0 < y / s < 2^B - 1.
 */
function referenceGrads(w: Float32Array[], b: Float32Array[], hidden: number, x: Float64Array, labels: number[], q: QuantState | null): RefGrads {
  const n = labels.length;
  const sizes = [784, hidden, 10];
  const wq = w.map((wl, l) => {
    if (!q) return Float64Array.from(wl);
    const k = (q.levels - 1) / 2;
    return Float64Array.from(wl, (v) => q.deltas[l]! * Math.max(-k, Math.min(k, roundHalfAway(v / q.deltas[l]!))));
  });
  const bq = b.map((bl, l) => {
    if (!q) return Float64Array.from(bl);
    const step = q.deltas[l]! * (l === 0 ? q.inputScale : q.scales[l - 1]!);
    return Float64Array.from(bl, (v) => roundHalfAway(v / step) * step);
  });
  const x0 = Float64Array.from(x, (v) => v / 255);
  // Layer 0.
  const pre = new Float64Array(n * hidden);
  for (let s = 0; s < n; s++)
    for (let o = 0; o < hidden; o++) {
      let a = bq[0]![o]!;
      for (let j = 0; j < 784; j++) a += x0[s * 784 + j]! * wq[0]![j * hidden + o]!;
      pre[s * hidden + o] = a;
    }
  const act = new Float64Array(n * hidden);
  const mask = new Float64Array(n * hidden);
  let blockedLow = 0;
  let blockedHigh = 0;
  const max = q ? 2 ** q.signalBits - 1 : Infinity;
  for (let i = 0; i < pre.length; i++) {
    if (q) {
      const t = pre[i]! / q.scales[0]!;
      act[i] = Math.max(0, Math.min(max, roundHalfAway(t))) * q.scales[0]!;
      mask[i] = t > 0 && t < max ? 1 : 0;
      if (t <= 0) blockedLow++;
      if (t >= max) blockedHigh++;
    } else {
      act[i] = Math.max(0, pre[i]!);
      mask[i] = pre[i]! > 0 ? 1 : 0;
    }
  }
  // Layer 1 and softmax cross-entropy.
  const dz = new Float64Array(n * 10);
  let loss = 0;
  for (let s = 0; s < n; s++) {
    const z = new Float64Array(10);
    for (let c = 0; c < 10; c++) {
      let a = bq[1]![c]!;
      for (let o = 0; o < hidden; o++) a += act[s * hidden + o]! * wq[1]![o * 10 + c]!;
      z[c] = a;
    }
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((p, v) => p + v, 0);
    loss -= Math.log(e[labels[s]!]! / sum) / n;
    for (let c = 0; c < 10; c++) dz[s * 10 + c] = (e[c]! / sum - (c === labels[s] ? 1 : 0)) / n;
  }
  const dw1 = new Float64Array(hidden * 10);
  const db1 = new Float64Array(10);
  const dz0 = new Float64Array(n * hidden);
  for (let s = 0; s < n; s++)
    for (let c = 0; c < 10; c++) {
      const g = dz[s * 10 + c]!;
      db1[c] += g;
      for (let o = 0; o < hidden; o++) {
        dw1[o * 10 + c] += act[s * hidden + o]! * g;
        dz0[s * hidden + o] += g * wq[1]![o * 10 + c]!;
      }
    }
  for (let i = 0; i < dz0.length; i++) dz0[i] *= mask[i]!;
  const dw0 = new Float64Array(784 * hidden);
  const db0 = new Float64Array(hidden);
  for (let s = 0; s < n; s++)
    for (let o = 0; o < hidden; o++) {
      const g = dz0[s * hidden + o]!;
      if (g === 0) continue;
      db0[o] += g;
      for (let j = 0; j < 784; j++) dw0[j * hidden + o] += x0[s * 784 + j]! * g;
    }
  void sizes;
  return { dw: [dw0, dw1], db: [db0, db1], loss, blockedLow, blockedHigh };
}

function engineGrads(engine: Engine, x: tf.Tensor, labels: number[], q: QuantState | null): { dw: Float32Array[]; db: Float32Array[]; loss: number } {
  const y = tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), 10), "float32") as tf.Tensor2D;
  const out = tf.tidy(() => {
    const g = engine.gradients(x, y, q);
    return { loss: g.loss, grads: g.grads.map((d) => [d.dw, d.db] as const) };
  });
  const result = {
    dw: out.grads.map(([dw]) => dw.dataSync() as Float32Array),
    db: out.grads.map(([, db]) => db.dataSync() as Float32Array),
    loss: out.loss.dataSync()[0]!,
  };
  tf.dispose([y, out.loss, ...out.grads.flat()]);
  return result;
}

/** Largest absolute difference, relative to the largest reference magnitude. */
function relError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    mag = Math.max(mag, Math.abs(ref[i]!));
  }
  return mag > 0 ? diff / mag : diff;
}

describe("FFDNN backward pass", () => {
  const hidden = 12;
  const arch: Architecture = { kind: "ffdnn", hidden: [hidden] };
  const n = 6;
  const { pixels, labels } = randomBatch(n, "grad-batch");
  const { weights, biases } = initialParams(arch, 5);
  const rng = makeRng("grad-bias");
  for (const b of biases) for (let i = 0; i < b.length; i++) b[i] = (rng.next() - 0.5) * 0.4;

  it("float mode equals the double-precision formulas", () => {
    const engine = new Engine(arch, weights, biases);
    const x = tf.tensor2d(Float32Array.from(pixels, (v) => v / 255), [n, 784]);
    const got = engineGrads(engine, x, labels, null);
    const ref = referenceGrads(weights, biases, hidden, pixels, labels, null);
    expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5);
    for (let l = 0; l < 2; l++) {
      expect(relError(got.dw[l]!, ref.dw[l]!)).toBeLessThan(1e-4);
      expect(relError(got.db[l]!, ref.db[l]!)).toBeLessThan(1e-4);
    }
    x.dispose();
    engine.dispose();
  });

  it("quantized mode: straight-through gradients, blocked where the signal clamps at 0 or at 2^B - 1", () => {
    const engine = new Engine(arch, weights, biases);
    // Ternary weights and 3-bit signals with a scale small enough that many units saturate.
    const q: QuantState = { levels: 3, signalBits: 3, deltas: [0.05, 0.4], scales: [0.12], inputScale: 1 / 255 };
    const x = tf.tensor2d(Float32Array.from(pixels, (v) => v / 255), [n, 784]);
    const got = engineGrads(engine, x, labels, q);
    const ref = referenceGrads(weights, biases, hidden, pixels, labels, q);
    // The case must exercise both ends of the clamp.
    expect(ref.blockedLow).toBeGreaterThan(5);
    expect(ref.blockedHigh).toBeGreaterThan(5);
    expect(ref.blockedLow + ref.blockedHigh).toBeLessThan(n * hidden - 5);
    expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5);
    for (let l = 0; l < 2; l++) {
      expect(relError(got.dw[l]!, ref.dw[l]!)).toBeLessThan(1e-4);
      expect(relError(got.db[l]!, ref.db[l]!)).toBeLessThan(1e-4);
    }
    // Float-mode gradients differ: the STE gradient is a different (quantized-forward) answer.
    const floatRef = referenceGrads(weights, biases, hidden, pixels, labels, null);
    expect(relError(got.dw[0]!, floatRef.dw[0]!)).toBeGreaterThan(0.05);
    x.dispose();
    engine.dispose();
  });

  it("a single unit's STE factor by hand: 1 inside (0, 2^B - 1), 0 outside", () => {
    // 784-1-10 with one input pixel lit: pre-activation = w * x + b, chosen below, inside and above the range.
    const one: Architecture = { kind: "ffdnn", hidden: [1] };
    const w0 = new Float32Array(784);
    w0[0] = 1;
    const w1 = new Float32Array(10).fill(0);
    w1[3] = 1;
    const q: QuantState = { levels: 255, signalBits: 2, deltas: [1 / 127, 1 / 127], scales: [1], inputScale: 1 / 255 };
    const cases: Array<[number, number]> = [
      [-0.6, 0], // t = -0.6: clamped at 0
      [1.4, 1], // t = 1.4: inside
      [3.7, 0], // t = 3.7 > 3: clamped at the top
    ];
    for (const [pre, factor] of cases) {
      const engine = new Engine(one, [w0, w1], [Float32Array.of(pre - 1), new Float32Array(10)]);
      const x = tf.tensor2d(Float32Array.from({ length: 784 }, (_, i) => (i === 0 ? 1 : 0)), [1, 784]);
      const got = engineGrads(engine, x, [3], { ...q, deltas: [1 / 127, 1 / 127] });
      // d loss / d b0 = (p_3 - 1) * w1[3] * factor, with p from the quantized forward pass.
      const a = Math.max(0, Math.min(3, roundHalfAway(pre)));
      const z = Array.from({ length: 10 }, (_, c) => (c === 3 ? a : 0));
      const e = z.map((v) => Math.exp(v));
      const p3 = e[3]! / e.reduce((s, v) => s + v, 0);
      expect(got.db[0]![0]!).toBeCloseTo((p3 - 1) * factor, 5);
      x.dispose();
      engine.dispose();
    }
  });
});

describe("CNN backward pass (convolution and pooling gradients from forward ops)", () => {
  it("equals TF.js autodiff with conv2d and maxPool gradient kernels", () => {
    const arch: Architecture = { kind: "cnn", conv: [3, 4, 2], dense: [5] }; // 28 -> 14 -> 7 -> 3: one odd pooling
    const shapes = paramShapes(arch);
    const { weights, biases } = initialParams(arch, 9);
    const rng = makeRng("cnn-bias");
    for (const b of biases) for (let i = 0; i < b.length; i++) b[i] = (rng.next() - 0.5) * 0.2;
    const n = 3;
    const { pixels, labels } = randomBatch(n, "cnn-batch");
    const engine = new Engine(arch, weights, biases);
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [n, 28, 28, 1]);
    const got = engineGrads(engine, x, labels, null);

    const y = tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), 10), "float32");
    const params = shapes.flatMap((s, i) => [tf.tensor(weights[i]!, s.shape), tf.tensor1d(biases[i]!)]);
    const lossFn = (...p: tf.Tensor[]) => {
      let h: tf.Tensor = x;
      shapes.forEach((s, i) => {
        const w = p[2 * i]!;
        const b = p[2 * i + 1]!;
        if (s.kind === "conv2d") h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, 1, "same"), b) as tf.Tensor4D), 2, 2, "valid");
        else {
          h = tf.add(tf.matMul(tf.reshape(h, [n, -1]) as tf.Tensor2D, w as tf.Tensor2D), b);
          if (i < shapes.length - 1) h = tf.relu(h);
        }
      });
      return tf.losses.softmaxCrossEntropy(y, h as tf.Tensor2D) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(lossFn)(params);
    expect(Math.abs(value.dataSync()[0]! - got.loss)).toBeLessThan(1e-5);
    shapes.forEach((_, i) => {
      expect(relError(got.dw[i]!, grads[2 * i]!.dataSync())).toBeLessThan(1e-4);
      expect(relError(got.db[i]!, grads[2 * i + 1]!.dataSync())).toBeLessThan(1e-4);
    });
    tf.dispose([x, y, value, ...grads, ...params]);
    engine.dispose();
  });
});

describe("the wasm backend computes the same gradients as cpu", () => {
  it("CNN with an odd pooling stage and a quantized FFDNN: equal within float32 rounding", async () => {
    const cnn: Architecture = { kind: "cnn", conv: [3, 4, 2], dense: [5] };
    const ffdnn: Architecture = { kind: "ffdnn", hidden: [12] };
    const q: QuantState = { levels: 3, signalBits: 3, deltas: [0.05, 0.4], scales: [0.12], inputScale: 1 / 255 };
    const { pixels, labels } = randomBatch(3, "backend-batch");
    const cases: Array<[Architecture, QuantState | null]> = [
      [cnn, null],
      [ffdnn, q],
    ];
    const run = (arch: Architecture, quant: QuantState | null) => {
      const p = initialParams(arch, 2);
      const engine = new Engine(arch, p.weights, p.biases);
      const x = tf.tensor(Float32Array.from(pixels, (v) => v / 255), arch.kind === "cnn" ? [3, 28, 28, 1] : [3, 784]);
      const g = engineGrads(engine, x, labels, quant);
      x.dispose();
      engine.dispose();
      return g;
    };
    try {
      for (const [arch, quant] of cases) {
        await initBackend("cpu");
        const cpu = run(arch, quant);
        await initBackend("wasm");
        const wasm = run(arch, quant);
        cpu.dw.forEach((d, i) => {
          expect(relError(wasm.dw[i]!, d)).toBeLessThan(1e-5);
          expect(relError(wasm.db[i]!, cpu.db[i]!)).toBeLessThan(1e-5);
        });
      }
    } finally {
      await initBackend("cpu");
    }
  });
});
