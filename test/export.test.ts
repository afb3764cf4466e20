/** Export of float networks to the integer IR, checked against an independent real-valued model. */
import { describe, expect, it } from "vitest";
import { parseNetwork, serializeNetwork } from "../src/ir/io.js";
import type { WeightLayer } from "../src/ir/schema.js";
import { exportNetwork, type ExportSpec, type FloatLayer } from "../src/quant/export.js";
import { requantParams } from "../src/quant/requant.js";
import { optimalDelta, quantizeArray } from "../src/quant/uniform.js";
import { infer } from "../src/reference/infer.js";
import { TritforgeError } from "../src/util/errors.js";
import { makeRng } from "../src/util/rng.js";

const provenance = { source: "file" as const, untrained: true };

describe("export, worked by hand", () => {
  const spec: ExportSpec = {
    name: "hand",
    inputShape: [2],
    inputBits: 4,
    inputScale: 0.5,
    layers: [
      { kind: "dense", inFeatures: 2, outFeatures: 2, weights: Float32Array.from([0.3, -0.2, 0, 0.13]), bias: Float32Array.from([0.3, -0.1]) },
      { kind: "dense", inFeatures: 2, outFeatures: 1, weights: Float32Array.from([1.4, -2.6]), bias: Float32Array.from([0.4]) },
    ],
    levels: [3, 7],
    deltas: [0.25, 1],
    signalBits: 4,
    signalScales: [0.25],
    provenance,
  };
  const net = exportNetwork(spec);
  it("quantizes weights and biases, names layers, and derives (m, sh) from delta * s_in / s_out", () => {
    const [fc0, fc1] = net.layers as [WeightLayer, WeightLayer];
    expect(fc0).toMatchObject({ name: "fc0", levels: 3, delta: 0.25, weights: [1, -1, 0, 1] }); // w / 0.25 = 1.2, -0.8, 0, 0.52
    expect(fc0.bias).toEqual([2, -1]); // b / (0.25 * 0.5) = 2.4, -0.8
    // ratio 0.25 * 0.5 / 0.25 = 0.5; accMax = 2 + 1 * 15 * 2 = 32
    expect(fc0.output).toEqual({ kind: "requant", multiplier: 32768, shift: 16, bits: 4, scale: 0.25 });
    expect(fc1).toMatchObject({ name: "fc1", levels: 7, delta: 1, weights: [1, -3], bias: [2], output: { kind: "logits" } }); // 0.4 / (1 * 0.25) = 1.6
    expect(net.input).toEqual({ shape: [2], bits: 4, scale: 0.5 });
    expect(net.provenance).toEqual(provenance);
  });
  it("runs in the reference model with the hand-computed logit", () => {
    // x = [15, 3]: acc = [2 + 15 - 3, -1 + 3] = [14, 2]; times the ratio 0.5: [7, 1 (half up, then floor of 1.5)]
    // (14 * 32768 + 32768) >> 16 = 7, (2 * 32768 + 32768) >> 16 = 1; logit = 2 + 7 - 3 = 6
    expect(Array.from(infer(net, [15, 3], 1).logits)).toEqual([6]);
  });
});

/**
 * Real-valued forward pass of the quantized network, written independently of the exporter and the
 * reference model: weights quantizeArray(w, delta) * delta and biases round(b / (delta s_in)) * delta
 * s_in from the float spec (only the steps delta are taken from the exported network), signal
 * scales tracked here, hidden outputs s_out * clamp(round(y / s_out), 0, 2^B - 1) with the exact ratio.
 */
function realForward(spec: ExportSpec, deltas: number[], x: ArrayLike<number>): { logits: number[]; nearTies: number } {
  let shape = [...spec.inputShape];
  let v = Array.from(x, (xi) => xi * spec.inputScale);
  let sIn = spec.inputScale;
  let nearTies = 0;
  let wi = 0;
  const nW = spec.layers.filter((l) => l.kind === "dense" || l.kind === "conv2d").length;
  for (const layer of spec.layers) {
    if (layer.kind === "flatten") {
      shape = [v.length];
      continue;
    }
    if (layer.kind === "maxpool") {
      const [h, w, c] = shape as [number, number, number];
      const oh = Math.floor((h - layer.size) / layer.stride) + 1;
      const ow = Math.floor((w - layer.size) / layer.stride) + 1;
      const out: number[] = [];
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let ch = 0; ch < c; ch++) {
            let m = -Infinity;
            for (let dy = 0; dy < layer.size; dy++)
              for (let dx = 0; dx < layer.size; dx++) m = Math.max(m, v[((y * layer.stride + dy) * w + xx * layer.stride + dx) * c + ch]!);
            out.push(m);
          }
      shape = [oh, ow, c];
      v = out;
      continue;
    }
    const i = wi++;
    const delta = deltas[i]!;
    const levels = typeof spec.levels === "number" ? spec.levels : spec.levels[i]!;
    const wReal = Array.from(quantizeArray(layer.weights, delta, levels), (q) => q * delta);
    const bReal = Array.from(layer.bias, (b) => Math.round(b / (delta * sIn)) * delta * sIn);
    let y: number[];
    if (layer.kind === "dense") {
      y = Array.from({ length: layer.outFeatures }, (_, o) => bReal[o]! + v.reduce((s, xi, j) => s + wReal[o * layer.inFeatures + j]! * xi, 0));
      shape = [layer.outFeatures];
    } else {
      const [h, w, c] = shape as [number, number, number];
      const { kernel: k, padding: p, outChannels: oc } = layer;
      const oh = h + 2 * p - k + 1, ow = w + 2 * p - k + 1;
      y = [];
      for (let r = 0; r < oh; r++)
        for (let col = 0; col < ow; col++)
          for (let o = 0; o < oc; o++) {
            let s = bReal[o]!;
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++)
                for (let ci = 0; ci < c; ci++) {
                  const iy = r + ky - p, ix = col + kx - p;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) s += wReal[((o * k + ky) * k + kx) * c + ci]! * v[(iy * w + ix) * c + ci]!;
                }
            y.push(s);
          }
      shape = [oh, ow, oc];
    }
    if (i === nW - 1) return { logits: y, nearTies };
    const sOut = spec.signalScales[i]!;
    const bits = spec.signalBits;
    v = y.map((yi) => {
      const t = yi / sOut;
      // m / 2^sh differs from the exact ratio by at most 2^-16 relative: it may round differently only here
      if (Math.abs(t - Math.floor(t) - 0.5) <= Math.abs(t) * 2 ** -16 + 1e-9 && t > 0 && t < 2 ** bits) nearTies++;
      return sOut * Math.min(2 ** bits - 1, Math.max(0, Math.floor(t + 0.5)));
    });
    sIn = sOut;
  }
  throw new Error("no weight layer");
}

/** Integer logits in real units against the real-valued model, for `count` random inputs. */
function compareWithRealModel(spec: ExportSpec, count: number, seed: string): { maxErr: number; tiedSamples: number } {
  const net = exportNetwork(spec);
  const weightLayers = net.layers.filter((l): l is WeightLayer => l.kind === "dense" || l.kind === "conv2d");
  const floatWeights = spec.layers.flatMap((l) => (l.kind === "dense" || l.kind === "conv2d" ? [l.weights] : []));
  const deltas = weightLayers.map((l) => l.delta);
  // default steps are the L2 optimum of each layer's float weights
  weightLayers.forEach((l, i) => expect(l.delta).toBe(optimalDelta(floatWeights[i]!, l.levels)));
  const rng = makeRng(seed);
  const nIn = spec.inputShape.reduce((a, b) => a * b, 1);
  const inputs = Array.from({ length: count * nIn }, () => rng.int(0, 2 ** spec.inputBits - 1));
  const { logits, classes } = infer(net, inputs, count);
  const last = weightLayers[weightLayers.length - 1]!;
  const sLast = spec.signalScales.length ? spec.signalScales[spec.signalScales.length - 1]! : spec.inputScale;
  const k = (last.levels - 1) / 2;
  let maxErr = 0;
  let tiedSamples = 0;
  for (let s = 0; s < count; s++) {
    const real = realForward(spec, deltas, inputs.slice(s * nIn, (s + 1) * nIn));
    if (real.nearTies) tiedSamples++;
    // One hidden step changed per near-tie moves a logit by at most K * delta_L * s_out.
    const tol = real.nearTies * k * last.delta * sLast + 1e-9 * (1 + Math.max(...real.logits.map(Math.abs)));
    for (let c = 0; c < classes; c++) {
      const err = Math.abs(logits[s * classes + c]! * last.delta * sLast - real.logits[c]!);
      expect(err).toBeLessThanOrEqual(tol);
      if (!real.nearTies) maxErr = Math.max(maxErr, err);
    }
  }
  return { maxErr, tiedSamples };
}

const randn = (rng: ReturnType<typeof makeRng>, n: number, sigma: number) => Float32Array.from({ length: n }, () => sigma * rng.normal());

describe("export of small float networks against an independent real-valued model", () => {
  it("4-3-2 dense network (ternary then 7 levels, 8-bit signals)", () => {
    const rng = makeRng("dense-net");
    const layers: FloatLayer[] = [
      { kind: "dense", inFeatures: 4, outFeatures: 3, weights: randn(rng, 12, 0.5), bias: randn(rng, 3, 0.1) },
      { kind: "dense", inFeatures: 3, outFeatures: 2, weights: randn(rng, 6, 0.5), bias: randn(rng, 2, 0.1) },
    ];
    const spec: ExportSpec = { name: "dense_432", inputShape: [4], inputBits: 8, inputScale: 1 / 255, layers, levels: [3, 7], signalBits: 8, signalScales: [1.2 / 255], provenance };
    expect(exportNetwork(spec).layers.map((l) => l.name)).toEqual(["fc0", "fc1"]);
    const { maxErr, tiedSamples } = compareWithRealModel(spec, 2000, "dense-inputs");
    expect(maxErr).toBeLessThan(1e-9); // exact up to double rounding when no hidden value is near a tie
    expect(tiedSamples).toBeLessThan(60); // 3 hidden values per sample, each near a tie with probability < 0.2%
  });

  it("4x4x1 -> conv 2ch k3 p1 -> maxpool 2 -> flatten -> dense 3 (HWC order, 15 then 3 levels)", () => {
    const rng = makeRng("conv-net");
    const layers: FloatLayer[] = [
      { kind: "conv2d", inChannels: 1, outChannels: 2, kernel: 3, padding: 1, weights: randn(rng, 18, 0.4), bias: randn(rng, 2, 0.05) },
      { kind: "maxpool", size: 2, stride: 2 },
      { kind: "flatten" },
      { kind: "dense", inFeatures: 8, outFeatures: 3, weights: randn(rng, 24, 0.5), bias: randn(rng, 3, 0.1) },
    ];
    const spec: ExportSpec = { name: "tiny_cnn", inputShape: [4, 4, 1], inputBits: 8, inputScale: 1 / 255, layers, levels: [15, 3], signalBits: 6, signalScales: [2 / 63], provenance };
    const net = exportNetwork(spec);
    expect(net.layers.map((l) => l.name)).toEqual(["conv0", "pool0", "flatten0", "fc0"]);
    const conv = net.layers[0] as WeightLayer;
    expect(conv.output).toMatchObject({ kind: "requant", bits: 6, scale: 2 / 63 });
    // (m, sh) from the contract's ratio and analyze's accumulator bound
    const accMax = Math.max(...conv.bias.map(Math.abs)) + 7 * 255 * 9;
    expect(conv.output).toMatchObject(requantParams((conv.delta * (1 / 255)) / (2 / 63), accMax));
    const { maxErr, tiedSamples } = compareWithRealModel(spec, 1000, "conv-inputs");
    expect(maxErr).toBeLessThan(1e-9);
    // 32 hidden values per sample, each within ~2 t 2^-16 (t <= 63) of a tie with probability < 0.2%: < 6% of samples
    expect(tiedSamples).toBeLessThan(60);
  });

  it("round-trips through serializeNetwork / parseNetwork unchanged", () => {
    const rng = makeRng("round-trip");
    const net = exportNetwork({
      name: "rt",
      inputShape: [6],
      inputBits: 8,
      inputScale: 1 / 255,
      layers: [
        { kind: "dense", inFeatures: 6, outFeatures: 5, weights: randn(rng, 30, 0.3), bias: randn(rng, 5, 0.1) },
        { kind: "dense", inFeatures: 5, outFeatures: 4, weights: randn(rng, 20, 0.3), bias: randn(rng, 4, 0.1) },
        { kind: "dense", inFeatures: 4, outFeatures: 3, weights: randn(rng, 12, 0.3), bias: randn(rng, 3, 0.1) },
      ],
      levels: 3,
      signalBits: 8,
      signalScales: [0.01, 0.02],
      provenance: { source: "trained", untrained: false, dataset: "fashion-mnist", seed: 3, metrics: { float: 0.88 } },
    });
    expect(parseNetwork(JSON.parse(serializeNetwork(net)))).toEqual(net);
  });
});

describe("export errors", () => {
  const dense = (i: number, o: number): FloatLayer => ({ kind: "dense", inFeatures: i, outFeatures: o, weights: new Float32Array(i * o).fill(0.1), bias: new Float32Array(o) });
  const base: ExportSpec = { name: "bad", inputShape: [4], inputBits: 8, inputScale: 1 / 255, layers: [dense(4, 3), dense(3, 2)], levels: 3, signalBits: 8, signalScales: [0.01], provenance };
  const cases: [string, Partial<ExportSpec>, RegExp][] = [
    ["even levels", { levels: [3, 4] }, /odd integer in \[3, 255\], got 4/],
    ["levels count", { levels: [3] }, /levels lists 1 values for 2 weight layers/],
    ["signal scale count", { signalScales: [] }, /signalScales lists 0 values; expected one per hidden weight layer \(1\)/],
    ["bad signal scale", { signalScales: [0] }, /signalScales\[0\] must be a positive/],
    ["bad delta", { deltas: [0.1, -1] }, /deltas\[1\]/],
    ["shape mismatch", { layers: [dense(4, 3), dense(5, 2)] }, /layers\[1\]\.inFeatures: 5 does not match the 3 values/],
    ["missing flatten", { inputShape: [2, 2, 1] }, /add a flatten layer/],
    ["weights length", { layers: [{ ...dense(4, 3), weights: new Float32Array(5) } as FloatLayer, dense(3, 2)] }, /fc0 has 5 weights, its shape needs 12/],
    ["NaN bias", { layers: [dense(4, 3), { ...dense(3, 2), bias: Float32Array.from([NaN, 0]) } as FloatLayer] }, /fc1\.bias\[0\] is NaN/],
    ["bad name", { name: "1abc" }, /name must be an identifier/],
    ["unrepresentable ratio", { signalScales: [1e15] }, /fc0: requantization ratio .* too small/],
  ];
  for (const [what, patch, re] of cases)
    it(`rejects ${what} with a one-line TritforgeError`, () => {
      let err: unknown;
      try {
        exportNetwork({ ...base, ...patch });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TritforgeError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain("\n");
    });
});
