/**
 * Minibatch training loop: seeded shuffling, batches built from typed arrays, Adam with a cosine
 * learning-rate schedule, validation accuracy per epoch, early stopping on it, per-epoch
 * checkpoints, and a progress bar with loss and accuracy.
 */
import * as tf from "@tensorflow/tfjs-core";
import cliProgress from "cli-progress";
import { makeRng } from "../util/rng.js";
import { archClasses, archInput, type Architecture } from "./arch.js";
import { DEFAULT_ADAM, type Engine, type QuantState } from "./engine.js";

export interface Samples {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  quant: QuantState | null;
  validation: Samples | null;
  /** Stop after this many epochs without a better validation accuracy (0: never). */
  patience: number;
  /** First epoch to run (when resuming). */
  startEpoch?: number;
  /** Best score and its epoch before startEpoch (when resuming), for early stopping. */
  resumeBest?: { score: number; epoch: number };
  /** Run at most this many epochs in this call. */
  stopAfter?: number;
  progress: boolean;
  label: string;
  /** Called after every epoch with the validation accuracy; a checkpoint hook. */
  onEpoch?: (epoch: number, info: EpochInfo) => Promise<void>;
  /** Called once per epoch before training it, e.g. to re-estimate quantization steps. */
  beforeEpoch?: (epoch: number) => Promise<void>;
}

export interface EpochInfo {
  loss: number;
  trainAccuracy: number;
  validationAccuracy: number | null;
  seconds: number;
  samplesPerSecond: number;
}

export interface FitResult {
  epochs: EpochInfo[];
  bestEpoch: number;
  samplesPerSecond: number;
}

/** Input tensor of `n` images starting at the given indices: [n, H W C] (FFDNN) or [n, H, W, C] (CNN), scaled to [0, 1]. */
export function batchTensor(images: Uint8Array, indices: ArrayLike<number>, n: number, arch: Architecture): tf.Tensor {
  const [h, w, c] = archInput(arch);
  const size = h * w * c;
  const x = new Float32Array(n * size);
  for (let b = 0; b < n; b++) {
    const src = indices[b]! * size;
    for (let j = 0; j < size; j++) x[b * size + j] = images[src + j]! / 255;
  }
  return arch.kind === "cnn" ? tf.tensor4d(x, [n, h, w, c]) : tf.tensor2d(x, [n, size]);
}

export function oneHot(labels: Uint8Array, indices: ArrayLike<number>, n: number, classes: number): tf.Tensor2D {
  const y = new Float32Array(n * classes);
  for (let b = 0; b < n; b++) y[b * classes + labels[indices[b]!]!] = 1;
  return tf.tensor2d(y, [n, classes]);
}

/** Accuracy of the engine's forward pass (float or fake-quantized) on samples. */
export function accuracy(engine: Engine, s: Samples, quant: QuantState | null): number {
  let correct = 0;
  const chunk = 1000;
  const idx = new Int32Array(chunk);
  for (let i0 = 0; i0 < s.count; i0 += chunk) {
    const n = Math.min(chunk, s.count - i0);
    for (let b = 0; b < n; b++) idx[b] = i0 + b;
    const x = batchTensor(s.images, idx, n, engine.arch);
    const pred = tf.tidy(() => tf.argMax(engine.logits(x, quant), 1));
    const p = pred.dataSync();
    for (let b = 0; b < n; b++) if (p[b] === s.labels[i0 + b]) correct++;
    x.dispose();
    pred.dispose();
  }
  return s.count ? correct / s.count : 0;
}

function shuffled(count: number, seed: string): Int32Array {
  const rng = makeRng(seed);
  const a = new Int32Array(count);
  for (let i = 0; i < count; i++) a[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

export async function fit(engine: Engine, train: Samples, o: FitOptions): Promise<FitResult> {
  const steps = Math.ceil(train.count / o.batchSize);
  const epochs: EpochInfo[] = [];
  let best = o.resumeBest?.score ?? -1;
  let bestEpoch = o.resumeBest?.epoch ?? (o.startEpoch ?? 0) - 1;
  let since = o.resumeBest ? (o.startEpoch ?? 0) - 1 - o.resumeBest.epoch : 0;
  if (o.patience > 0 && since >= o.patience) return { epochs, bestEpoch, samplesPerSecond: 0 };
  const endEpoch = o.stopAfter === undefined ? o.epochs : Math.min(o.epochs, (o.startEpoch ?? 0) + o.stopAfter);
  let samples = 0;
  let seconds = 0;
  const bar =
    o.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: `${o.label} epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | acc {acc} | {rate} samples/s | eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  for (let epoch = o.startEpoch ?? 0; epoch < endEpoch; epoch++) {
    await o.beforeEpoch?.(epoch);
    const order = shuffled(train.count, `${o.seed}:epoch:${epoch}`);
    const lr = o.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / o.epochs));
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    bar?.start(steps, 0, { epoch: epoch + 1, epochs: o.epochs, loss: "-", acc: "-", rate: "-" });
    const pending: tf.Tensor1D[] = [];
    for (let s = 0; s < steps; s++) {
      const n = Math.min(o.batchSize, train.count - s * o.batchSize);
      const idx = order.subarray(s * o.batchSize, s * o.batchSize + n);
      const x = batchTensor(train.images, idx, n, engine.arch);
      const y = oneHot(train.labels, idx, n, archClasses(engine.arch));
      pending.push(engine.step(x, y, o.quant, { ...DEFAULT_ADAM, lr }));
      x.dispose();
      y.dispose();
      if (pending.length >= 20 || s === steps - 1) {
        for (const p of pending) {
          const [l, c] = p.dataSync();
          lossSum += l! * 1;
          correct += c!;
          p.dispose();
        }
        pending.length = 0;
        const done = Math.min(train.count, (s + 1) * o.batchSize);
        bar?.update(s + 1, { loss: (lossSum / (s + 1)).toFixed(4), acc: (correct / done).toFixed(4), rate: Math.round(done / ((performance.now() - t0) / 1000)) });
      }
    }
    bar?.stop();
    const dt = (performance.now() - t0) / 1000;
    samples += train.count;
    seconds += dt;
    const validationAccuracy = o.validation ? accuracy(engine, o.validation, o.quant) : null;
    const info: EpochInfo = { loss: lossSum / steps, trainAccuracy: correct / train.count, validationAccuracy, seconds: dt, samplesPerSecond: train.count / dt };
    epochs.push(info);
    if (o.progress)
      process.stderr.write(
        `${o.label} epoch ${epoch + 1}/${o.epochs}: loss ${info.loss.toFixed(4)}, train ${(info.trainAccuracy * 100).toFixed(2)}%` +
          (validationAccuracy !== null ? `, validation ${(validationAccuracy * 100).toFixed(2)}%` : "") +
          `, ${Math.round(info.samplesPerSecond)} samples/s, lr ${lr.toExponential(2)}\n`,
      );
    await o.onEpoch?.(epoch, info);
    const score = validationAccuracy ?? info.trainAccuracy;
    if (score > best) {
      best = score;
      bestEpoch = epoch;
      since = 0;
    } else if (o.patience > 0 && ++since >= o.patience) {
      if (o.progress) process.stderr.write(`${o.label}: early stop, no better validation accuracy for ${o.patience} epochs\n`);
      break;
    }
  }
  return { epochs, bestEpoch, samplesPerSecond: seconds ? samples / seconds : 0 };
}
