/**
 * A fast engine for the integer reference model on large batches: the weight-times-activation sums
 * run as float32 matrix products in TF.js (XNNPACK on the wasm backend), biases and
 * requantization in exact double arithmetic here.
 *
 * Exactness: every operand is an integer and every partial sum of a product row is bounded by
 * K (2^B_in - 1) N_in. While that bound is below 2^24, float32 represents every partial sum exactly,
 * whatever order or fusion the kernel uses, so the result equals `infer` bit for bit. Layers above
 * the bound make the whole network fall back to the typed-array engine. `test/reference-fast.test.ts`
 * checks equality on random networks, including the bound's edge.
 */
import * as tf from "@tensorflow/tfjs-core";
import { analyze, isWeightInfo, type LayerInfo } from "../ir/analyze.js";
import { initBackend } from "../tf/backend.js";
import type { Network } from "../ir/schema.js";
import { infer, inputSize, scorePredictions, type Evaluation, type Inference, type InputArray } from "./infer.js";

const FLOAT32_EXACT = 2 ** 24;
const CHUNK = 1000;

/** True when every weight layer's product sums stay exactly representable in float32. */
export function float32Exact(net: Network): boolean {
  return analyze(net)
    .filter(isWeightInfo)
    .every((i) => i.k * (2 ** i.inBits - 1) * i.fanIn < FLOAT32_EXACT);
}

interface Prepared {
  info: LayerInfo;
  /** dense: [in, out]; conv: [kh, kw, in, out] (TF layouts), weights as float32. */
  kernel: tf.Tensor | null;
}

function prepare(infos: LayerInfo[]): Prepared[] {
  return infos.map((info) => {
    const l = info.layer;
    if (l.kind === "dense") {
      const t = new Float32Array(l.inFeatures * l.outFeatures);
      for (let o = 0; o < l.outFeatures; o++) for (let j = 0; j < l.inFeatures; j++) t[j * l.outFeatures + o] = l.weights[o * l.inFeatures + j]!;
      return { info, kernel: tf.tensor2d(t, [l.inFeatures, l.outFeatures]) };
    }
    if (l.kind === "conv2d") {
      const { kernel: k, inChannels: ci, outChannels: co } = l;
      const t = new Float32Array(k * k * ci * co);
      for (let o = 0; o < co; o++)
        for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let c = 0; c < ci; c++) t[((y * k + x) * ci + c) * co + o] = l.weights[((o * k + y) * k + x) * ci + c]!;
      return { info, kernel: tf.tensor4d(t, [k, k, ci, co]) };
    }
    return { info, kernel: null };
  });
}

/** Adds biases (channel = last axis) and requantizes or keeps logits, in exact double arithmetic. */
function finish(acc: Float32Array, info: LayerInfo): Float64Array {
  const l = info.layer;
  if (l.kind !== "dense" && l.kind !== "conv2d") throw new Error("finish() on a layer without weights");
  const channels = l.bias.length;
  const out = new Float64Array(acc.length);
  const rq = l.output.kind === "requant" ? l.output : null;
  const round = rq && rq.shift > 0 ? 2 ** (rq.shift - 1) : 0;
  const div = rq ? 2 ** rq.shift : 1;
  const max = rq ? 2 ** rq.bits - 1 : 0;
  for (let i = 0; i < acc.length; i++) {
    const a = acc[i]! + l.bias[i % channels]!;
    if (!rq) out[i] = a;
    else {
      const y = Math.floor((a * rq.multiplier + round) / div);
      out[i] = y < 0 ? 0 : y > max ? max : y;
    }
  }
  return out;
}

function forwardChunk(layers: Prepared[], x0: Float32Array, n: number, inShape: number[]): Float64Array {
  let x: Float64Array | Float32Array = x0;
  for (const { info, kernel } of layers) {
    const l = info.layer;
    if (l.kind === "dense" || l.kind === "conv2d") {
      const acc = tf.tidy(() => {
        if (l.kind === "dense") return tf.matMul(tf.tensor2d(Float32Array.from(x), [n, l.inFeatures]), kernel as tf.Tensor2D);
        const [h, w, c] = info.inShape as [number, number, number];
        const input = tf.tensor4d(Float32Array.from(x), [n, h, w, c]);
        const padded = l.padding > 0 ? tf.pad(input, [[0, 0], [l.padding, l.padding], [l.padding, l.padding], [0, 0]]) : input;
        return tf.conv2d(padded, kernel as tf.Tensor4D, 1, "valid");
      });
      const data = acc.dataSync() as Float32Array;
      acc.dispose();
      x = finish(data, info);
    } else if (l.kind === "maxpool") {
      const [h, w, c] = info.inShape as [number, number, number];
      const y = tf.tidy(() => tf.maxPool(tf.tensor4d(Float32Array.from(x), [n, h, w, c]), l.size, l.stride, "valid"));
      x = Float64Array.from(y.dataSync());
      y.dispose();
    }
  }
  void inShape;
  return Float64Array.from(x);
}

/**
 * Integer inference like `infer`, much faster on large batches; falls back to `infer` when the
 * float32 bound does not hold. Returns which engine ran.
 */
export async function inferFast(net: Network, inputs: InputArray, count = inputs.length / inputSize(net)): Promise<Inference & { engine: string }> {
  if (!float32Exact(net)) return { ...infer(net, inputs, count), engine: "typed-array (float32 bound exceeded)" };
  const backend = await initBackend("auto");
  const infos = analyze(net);
  const nIn = inputSize(net);
  const maxIn = 2 ** net.input.bits - 1;
  const layers = prepare(infos);
  const last = infos[infos.length - 1]!;
  const classes = last.outShape.reduce((a, b) => a * b, 1);
  const logits = new Float64Array(count * classes);
  const predicted = new Int32Array(count);
  try {
    for (let s0 = 0; s0 < count; s0 += CHUNK) {
      const n = Math.min(CHUNK, count - s0);
      const x = new Float32Array(n * nIn);
      for (let i = 0; i < n * nIn; i++) {
        const v = inputs[s0 * nIn + i]!;
        if (!(v >= 0 && v <= maxIn && Number.isInteger(v))) throw new Error(`inferFast: input ${s0 + Math.floor(i / nIn)}[${i % nIn}] = ${v} is outside [0, ${maxIn}]`);
        x[i] = v;
      }
      const out = forwardChunk(layers, x, n, net.input.shape);
      for (let b = 0; b < n; b++) {
        let best = 0;
        for (let c = 0; c < classes; c++) {
          const v = out[b * classes + c]!;
          logits[(s0 + b) * classes + c] = v;
          if (v > out[b * classes + best]!) best = c;
        }
        predicted[s0 + b] = best;
      }
    }
  } finally {
    for (const l of layers) l.kernel?.dispose();
  }
  return { count, logits, classes, predicted, engine: `TF.js ${backend} float32 (exact below 2^24)` };
}

/** `evaluate` on the fast engine: accuracy and confusion counts of the integer model. */
export async function evaluateFast(net: Network, inputs: InputArray, labels: ArrayLike<number>, count = labels.length): Promise<Evaluation> {
  return scorePredictions(await inferFast(net, inputs, count), labels);
}
