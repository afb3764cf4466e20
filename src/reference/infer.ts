/**
 * The bit-exact integer reference model: the numeric contract, executed on typed arrays.
 *
 * Samples are processed in blocks; inside a block activations are stored feature-major
 * (value f of sample b at f * block + b) so the inner loops run over contiguous samples.
 * Accumulators are doubles holding integers, exact while |acc * multiplier| < 2^52, which
 * the IR validation guarantees.
 */
import { analyze, type LayerInfo } from "../ir/analyze.js";
import type { Conv2dLayer, DenseLayer, Network } from "../ir/schema.js";

const BLOCK = 128;

export type InputArray = Uint8Array | Uint16Array | Int32Array | number[];

export interface Inference {
  count: number;
  /** Logits, sample-major: logits[s * classes + c]. */
  logits: Float64Array;
  classes: number;
  /** Argmax per sample, lowest index on ties. */
  predicted: Int32Array;
}

/** x_l = clamp((acc * m + 2^(sh-1)) >> sh, 0, 2^bits - 1), with >> an arithmetic (floor) shift. */
export function requantize(acc: number, multiplier: number, shift: number, bits: number): number {
  const round = shift > 0 ? 2 ** (shift - 1) : 0;
  const y = Math.floor((acc * multiplier + round) / 2 ** shift);
  const max = 2 ** bits - 1;
  return y < 0 ? 0 : y > max ? max : y;
}

/** Nonzero weights of each output row: row o spans [start[o], start[o+1]) of index/value. */
interface SparseRows {
  start: Int32Array;
  index: Int32Array;
  value: Int8Array;
}

const sparseCache = new WeakMap<DenseLayer, SparseRows>();

function sparseRows(layer: DenseLayer): SparseRows {
  const cached = sparseCache.get(layer);
  if (cached) return cached;
  const { inFeatures: nIn, outFeatures: nOut, weights } = layer;
  let nnz = 0;
  for (const w of weights) if (w !== 0) nnz++;
  const rows: SparseRows = { start: new Int32Array(nOut + 1), index: new Int32Array(nnz), value: new Int8Array(nnz) };
  let p = 0;
  for (let o = 0; o < nOut; o++) {
    rows.start[o] = p;
    for (let j = 0; j < nIn; j++) {
      const w = weights[o * nIn + j]!;
      if (w !== 0) {
        rows.index[p] = j;
        rows.value[p++] = w;
      }
    }
  }
  rows.start[nOut] = p;
  sparseCache.set(layer, rows);
  return rows;
}

/** Dense layer on a block: x is [nIn][bs], returns accumulators [nOut][bs]. */
function denseBlock(layer: DenseLayer, x: Float64Array, bs: number): Float64Array {
  const rows = sparseRows(layer);
  const acc = new Float64Array(layer.outFeatures * bs);
  for (let o = 0; o < layer.outFeatures; o++) {
    const a = o * bs;
    acc.fill(layer.bias[o]!, a, a + bs);
    for (let p = rows.start[o]!; p < rows.start[o + 1]!; p++) {
      const xo = rows.index[p]! * bs;
      const w = rows.value[p]!;
      if (w === 1) for (let b = 0; b < bs; b++) acc[a + b] += x[xo + b]!;
      else if (w === -1) for (let b = 0; b < bs; b++) acc[a + b] -= x[xo + b]!;
      else for (let b = 0; b < bs; b++) acc[a + b] += w * x[xo + b]!;
    }
  }
  return acc;
}

/** Conv2d (stride 1, zero padding) on a block: x is HWC-major [h][w][c][bs]. */
function convBlock(layer: Conv2dLayer, info: LayerInfo, x: Float64Array, bs: number): Float64Array {
  const [h, w, c] = info.inShape as [number, number, number];
  const [oh, ow, oc] = info.outShape as [number, number, number];
  const k = layer.kernel;
  const pad = layer.padding;
  const acc = new Float64Array(oh * ow * oc * bs);
  for (let y = 0; y < oh; y++) {
    for (let xx = 0; xx < ow; xx++) {
      for (let o = 0; o < oc; o++) {
        const a = ((y * ow + xx) * oc + o) * bs;
        acc.fill(layer.bias[o]!, a, a + bs);
        for (let ky = 0; ky < k; ky++) {
          const iy = y + ky - pad;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = xx + kx - pad;
            if (ix < 0 || ix >= w) continue;
            const wBase = ((o * k + ky) * k + kx) * c;
            const xBase = (iy * w + ix) * c;
            for (let ci = 0; ci < c; ci++) {
              const wt = layer.weights[wBase + ci]!;
              if (wt === 0) continue;
              const xo = (xBase + ci) * bs;
              for (let b = 0; b < bs; b++) acc[a + b] += wt * x[xo + b]!;
            }
          }
        }
      }
    }
  }
  return acc;
}

function maxPoolBlock(size: number, stride: number, info: LayerInfo, x: Float64Array, bs: number): Float64Array {
  const [, w, c] = info.inShape as [number, number, number];
  const [oh, ow] = info.outShape as [number, number, number];
  const out = new Float64Array(oh * ow * c * bs);
  for (let y = 0; y < oh; y++)
    for (let xx = 0; xx < ow; xx++)
      for (let ci = 0; ci < c; ci++) {
        const o = ((y * ow + xx) * c + ci) * bs;
        for (let b = 0; b < bs; b++) {
          let m = 0;
          for (let ky = 0; ky < size; ky++)
            for (let kx = 0; kx < size; kx++) {
              const v = x[(((y * stride + ky) * w + (xx * stride + kx)) * c + ci) * bs + b]!;
              if (v > m) m = v;
            }
          out[o + b] = m;
        }
      }
  return out;
}

function requantBlock(acc: Float64Array, multiplier: number, shift: number, bits: number): Float64Array {
  const out = new Float64Array(acc.length);
  const round = shift > 0 ? 2 ** (shift - 1) : 0;
  const div = 2 ** shift;
  const max = 2 ** bits - 1;
  for (let i = 0; i < acc.length; i++) {
    const y = Math.floor((acc[i]! * multiplier + round) / div);
    out[i] = y < 0 ? 0 : y > max ? max : y;
  }
  return out;
}

/** Runs one block of samples through every layer; returns the final accumulators [classes][bs]. */
function forwardBlock(infos: LayerInfo[], x0: Float64Array, bs: number): Float64Array {
  let x = x0;
  for (const info of infos) {
    const layer = info.layer;
    switch (layer.kind) {
      case "dense":
      case "conv2d": {
        const acc = layer.kind === "dense" ? denseBlock(layer, x, bs) : convBlock(layer, info, x, bs);
        x = layer.output.kind === "requant" ? requantBlock(acc, layer.output.multiplier, layer.output.shift, layer.output.bits) : acc;
        break;
      }
      case "maxpool":
        x = maxPoolBlock(layer.size, layer.stride, info, x, bs);
        break;
      case "flatten":
        break;
    }
  }
  return x;
}

export const inputSize = (net: Network): number => net.input.shape.reduce((a, b) => a * b, 1);

/** Integer inference of `count` samples (sample-major inputs, inputSize(net) values each). */
export function infer(net: Network, inputs: InputArray, count = inputs.length / inputSize(net)): Inference {
  const infos = analyze(net);
  const nIn = inputSize(net);
  if (!Number.isInteger(count) || inputs.length < count * nIn) throw new Error(`infer: ${inputs.length} input values do not hold ${count} samples of ${nIn}`);
  const maxIn = 2 ** net.input.bits - 1;
  const classes = (infos[infos.length - 1]!.outShape as number[]).reduce((a, b) => a * b, 1);
  const logits = new Float64Array(count * classes);
  const predicted = new Int32Array(count);
  const x = new Float64Array(nIn * BLOCK);
  for (let s0 = 0; s0 < count; s0 += BLOCK) {
    const bs = Math.min(BLOCK, count - s0);
    for (let b = 0; b < bs; b++) {
      const base = (s0 + b) * nIn;
      for (let f = 0; f < nIn; f++) {
        const v = inputs[base + f]!;
        if (!(v >= 0 && v <= maxIn && Number.isInteger(v))) throw new Error(`infer: input ${s0 + b}[${f}] = ${v} is outside [0, ${maxIn}]`);
        x[f * bs + b] = v;
      }
    }
    const out = forwardBlock(infos, x.subarray(0, nIn * bs), bs);
    for (let b = 0; b < bs; b++) {
      let best = 0;
      for (let c = 0; c < classes; c++) {
        const v = out[c * bs + b]!;
        logits[(s0 + b) * classes + c] = v;
        if (v > out[best * bs + b]!) best = c;
      }
      predicted[s0 + b] = best;
    }
  }
  return { count, logits, classes, predicted };
}

export interface Evaluation {
  samples: number;
  correct: number;
  accuracy: number;
  /** confusion[label][predicted] */
  confusion: number[][];
}

/** Accuracy and confusion counts of the integer model on labelled samples. */
export function evaluate(net: Network, inputs: InputArray, labels: ArrayLike<number>, count = labels.length): Evaluation {
  return scorePredictions(infer(net, inputs, count), labels);
}

/** Accuracy and confusion counts of an inference's predictions against labels. */
export function scorePredictions({ predicted, classes, count }: Inference, labels: ArrayLike<number>): Evaluation {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let s = 0; s < count; s++) {
    const label = labels[s]!;
    const p = predicted[s]!;
    if (label === p) correct++;
    if (label >= 0 && label < classes) confusion[label]![p]!++;
  }
  return { samples: count, correct, accuracy: count ? correct / count : 0, confusion };
}
