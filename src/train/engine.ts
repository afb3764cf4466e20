/**
 * The training engine: forward and backward passes written by hand with TF.js forward ops, so
 * every step stays on the fast kernels of the wasm backend (plain matMul after explicit
 * transposes, no gradient kernels, batches built from typed arrays), and Adam on tf.Variables.
 *
 * Float mode: ReLU hidden layers, softmax cross-entropy.
 * Quantized mode (retraining, Sung et al.): the forward pass uses quantized weights
 * Q(w) = delta * clamp(round(w / delta), -K, K), biases rounded to accumulator scale and hidden
 * signals quantized to B bits, x = clamp(round(y / s), 0, 2^B - 1) * s (which is also the ReLU);
 * gradients pass straight through the rounding (STE) where the clamp is not active and update
 * the float shadow weights.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Architecture, ParamShape } from "./arch.js";
import { paramShapes } from "./arch.js";
import { convBackward, convForward, poolBackward, poolForward, type ConvCache, type PoolCache } from "./conv.js";

export interface QuantState {
  levels: number;
  signalBits: number;
  /** Weight step per weight layer. */
  deltas: number[];
  /** Output signal scale per hidden weight layer (all weight layers but the last). */
  scales: number[];
  /** Scale of the network input (1/255 for pixels). */
  inputScale: number;
}

export interface Layer {
  shape: ParamShape;
  w: tf.Variable;
  b: tf.Variable;
  mw: tf.Variable;
  vw: tf.Variable;
  mb: tf.Variable;
  vb: tf.Variable;
}

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const DEFAULT_ADAM: AdamConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class Engine {
  readonly layers: Layer[];
  readonly arch: Architecture;
  /** Adam step counter (for bias correction). */
  t = 0;

  constructor(arch: Architecture, weights: Float32Array[], biases: Float32Array[]) {
    this.arch = arch;
    this.layers = paramShapes(arch).map((shape, i) => ({
      shape,
      w: tf.variable(tf.tensor(weights[i]!, shape.shape)),
      b: tf.variable(tf.tensor1d(biases[i]!)),
      mw: tf.variable(tf.zeros(shape.shape)),
      vw: tf.variable(tf.zeros(shape.shape)),
      mb: tf.variable(tf.zeros([shape.biasLength])),
      vb: tf.variable(tf.zeros([shape.biasLength])),
    }));
  }

  dispose(): void {
    for (const l of this.layers) for (const v of [l.w, l.b, l.mw, l.vw, l.mb, l.vb]) v.dispose();
  }

  async weights(): Promise<{ weights: Float32Array[]; biases: Float32Array[] }> {
    const weights = await Promise.all(this.layers.map((l) => l.w.data() as Promise<Float32Array>));
    const biases = await Promise.all(this.layers.map((l) => l.b.data() as Promise<Float32Array>));
    return { weights: weights.map((w) => Float32Array.from(w)), biases: biases.map((b) => Float32Array.from(b)) };
  }

  setWeights(p: { weights: Float32Array[]; biases: Float32Array[] }): void {
    tf.tidy(() =>
      this.layers.forEach((l, i) => {
        l.w.assign(tf.tensor(p.weights[i]!, l.w.shape));
        l.b.assign(tf.tensor1d(p.biases[i]!));
      }),
    );
  }

  async optimizerState(): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const l of this.layers) for (const v of [l.mw, l.vw, l.mb, l.vb]) out.push(Float32Array.from((await v.data()) as Float32Array));
    return out;
  }

  setOptimizerState(state: Float32Array[], t: number): void {
    let i = 0;
    tf.tidy(() => {
      for (const l of this.layers) for (const v of [l.mw, l.vw, l.mb, l.vb]) v.assign(tf.tensor(state[i++]!, v.shape));
    });
    this.t = t;
  }

  /** Weight and bias tensors the forward pass uses: quantized in quantized mode. */
  private effective(q: QuantState | null, i: number): { w: tf.Tensor; b: tf.Tensor } {
    const l = this.layers[i]!;
    if (!q) return { w: l.w, b: l.b };
    const delta = q.deltas[i]!;
    const k = (q.levels - 1) / 2;
    const w = tf.mul(tf.clipByValue(tf.round(tf.div(l.w, delta)), -k, k), delta);
    const sIn = i === 0 ? q.inputScale : q.scales[this.hiddenIndexBefore(i)]!;
    const bStep = delta * sIn;
    const b = tf.mul(tf.round(tf.div(l.b, bStep)), bStep);
    return { w, b };
  }

  /** Index into q.scales of the signal that weight layer i reads (the previous weight layer's output). */
  private hiddenIndexBefore(i: number): number {
    return i - 1;
  }

  /**
   * Forward pass on a batch x ([n, 784] for FFDNNs, [n, 28, 28, 1] for CNNs). Returns the logits
   * and, when `train`, everything the backward pass needs.
   */
  forward(x: tf.Tensor, q: QuantState | null, train: boolean): { logits: tf.Tensor2D; cache: Cache } {
    const cache: Cache = { inputs: [], masks: [], weights: [], convs: [], pools: [] };
    let h: tf.Tensor = x;
    const n = x.shape[0]!;
    const last = this.layers.length - 1;
    for (let i = 0; i <= last; i++) {
      const l = this.layers[i]!;
      const { w, b } = this.effective(q, i);
      let pre: tf.Tensor;
      if (l.shape.kind === "conv2d") {
        const r = convForward(h as tf.Tensor4D, w as tf.Tensor4D, train);
        pre = tf.add(r.out, b);
        if (train) cache.convs.push(r.cache);
      } else {
        if (h.rank !== 2) h = tf.reshape(h, [n, -1]);
        pre = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b);
      }
      if (train) {
        cache.inputs.push(h);
        cache.weights.push(w);
      }
      if (i === last) return { logits: pre as tf.Tensor2D, cache };
      let act: tf.Tensor;
      let mask: tf.Tensor;
      if (q) {
        const s = q.scales[i]!;
        const max = 2 ** q.signalBits - 1;
        const t = tf.div(pre, s);
        act = tf.mul(tf.clipByValue(tf.round(t), 0, max), s);
        mask = train ? tf.cast(tf.logicalAnd(tf.greater(t, 0), tf.less(t, max)), "float32") : tf.scalar(0);
      } else {
        act = tf.relu(pre);
        mask = train ? tf.step(pre) : tf.scalar(0);
      }
      if (train) cache.masks.push(mask);
      if (l.shape.kind === "conv2d") {
        const p = poolForward(act as tf.Tensor4D, train);
        act = p.out;
        if (train) cache.pools.push(p.cache);
      }
      h = act;
    }
    throw new Error("unreachable");
  }

  /**
   * Loss, number of correct predictions and the gradient of the mean cross-entropy with respect to
   * every weight and bias (straight-through in quantized mode). Tensors are the caller's to
   * dispose (use inside tf.tidy).
   */
  gradients(x: tf.Tensor, yOneHot: tf.Tensor2D, q: QuantState | null): { loss: tf.Scalar; correct: tf.Scalar; grads: Gradient[] } {
    const n = x.shape[0]!;
    const { logits, cache } = this.forward(x, q, true);
    const logp = tf.logSoftmax(logits);
    const loss = tf.neg(tf.div(tf.sum(tf.mul(yOneHot, logp)), n)) as tf.Scalar;
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(yOneHot, 1)), "float32")) as tf.Scalar;
    let dz: tf.Tensor = tf.div(tf.sub(tf.exp(logp), yOneHot), n);
    const grads: Gradient[] = new Array<Gradient>(this.layers.length);
    let convIdx = cache.convs.length - 1;
    let poolIdx = cache.pools.length - 1;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      const hin = cache.inputs[i]!;
      if (l.shape.kind === "conv2d") {
        const r = convBackward(dz as tf.Tensor4D, cache.weights[i]! as tf.Tensor4D, cache.convs[convIdx--]!, i > 0);
        grads[i] = { dw: r.dw, db: tf.sum(dz, [0, 1, 2]) };
        if (i === 0) break;
        dz = r.dx!;
      } else {
        // Explicit transposes keep matMul on XNNPACK's fast path (transpose flags leave it).
        grads[i] = { dw: tf.matMul(tf.transpose(hin as tf.Tensor2D), dz as tf.Tensor2D), db: tf.sum(dz, 0) };
        if (i === 0) break;
        // dz . W^T as (W . dz^T)^T: transposing the [n, out] activations is far cheaper than the weights.
        dz = tf.transpose(tf.matMul(cache.weights[i]! as tf.Tensor2D, tf.transpose(dz as tf.Tensor2D)));
      }
      // Back through the previous layer's pooling (CNN) and activation (ReLU or STE mask).
      const prev = this.layers[i - 1]!;
      if (prev.shape.kind === "conv2d") {
        const pc = cache.pools[poolIdx--]!;
        dz = poolBackward(tf.reshape(dz, pc.outShape) as tf.Tensor4D, pc);
      }
      dz = tf.mul(dz, cache.masks[i - 1]!);
    }
    return { loss, correct, grads };
  }

  /**
   * One Adam step on a batch; returns [loss, correct] as a tensor (read it lazily to avoid a sync
   * per step).
   */
  step(x: tf.Tensor, yOneHot: tf.Tensor2D, q: QuantState | null, adam: AdamConfig): tf.Tensor1D {
    return tf.tidy(() => {
      const { loss, correct, grads } = this.gradients(x, yOneHot, q);
      this.t++;
      // Adam with the moments kept unnormalised (m' = m / (1 - beta1), v' = v / (1 - beta2)) so the
      // constant factors fold into scalars: 10 elementwise passes per parameter instead of 12.
      const { lr, beta1, beta2, eps } = adam;
      const c1 = 1 - beta1 ** this.t;
      const c2 = 1 - beta2 ** this.t;
      const stepSize = ((lr * Math.sqrt(c2)) / c1) * ((1 - beta1) / Math.sqrt(1 - beta2));
      const epsPrime = eps * Math.sqrt(c2 / (1 - beta2));
      this.layers.forEach((l, i) => {
        const g = grads[i]!;
        for (const [p, m, v, d] of [
          [l.w, l.mw, l.vw, g.dw],
          [l.b, l.mb, l.vb, g.db],
        ] as Array<[tf.Variable, tf.Variable, tf.Variable, tf.Tensor]>) {
          const m2 = tf.add(tf.mul(m, beta1), d);
          const v2 = tf.add(tf.mul(v, beta2), tf.square(d));
          m.assign(m2);
          v.assign(v2);
          p.assign(tf.sub(p, tf.mul(tf.div(m2, tf.add(tf.sqrt(v2), epsPrime)), stepSize)));
        }
      });
      return tf.stack([loss, correct]) as tf.Tensor1D;
    });
  }

  /** Logits for a batch (no caches). */
  logits(x: tf.Tensor, q: QuantState | null): tf.Tensor2D {
    return tf.tidy(() => this.forward(x, q, false).logits);
  }

  /**
   * Post-activation outputs of every hidden weight layer (before pooling), for calibration. With
   * `q` given (its scales for layers < i used), layer i's output is computed with quantized weights.
   */
  hiddenActivations(x: tf.Tensor, q: QuantState | null, upTo: number): tf.Tensor {
    return tf.tidy(() => {
      let h: tf.Tensor = x;
      const n = x.shape[0]!;
      for (let i = 0; i <= upTo; i++) {
        const l = this.layers[i]!;
        const { w, b } = this.effective(q, i);
        let pre: tf.Tensor;
        if (l.shape.kind === "conv2d") pre = tf.add(convForward(h as tf.Tensor4D, w as tf.Tensor4D, false).out, b);
        else {
          if (h.rank !== 2) h = tf.reshape(h, [n, -1]);
          pre = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b);
        }
        if (i === upTo) return tf.relu(pre);
        let act: tf.Tensor;
        if (q) {
          const s = q.scales[i]!;
          act = tf.mul(tf.clipByValue(tf.round(tf.div(pre, s)), 0, 2 ** q.signalBits - 1), s);
        } else act = tf.relu(pre);
        if (l.shape.kind === "conv2d") act = poolForward(act as tf.Tensor4D, false).out;
        h = act;
      }
      throw new Error("unreachable");
    });
  }
}

export interface Gradient {
  dw: tf.Tensor;
  db: tf.Tensor;
}

export interface Cache {
  inputs: tf.Tensor[];
  masks: tf.Tensor[];
  weights: tf.Tensor[];
  convs: ConvCache[];
  pools: PoolCache[];
}
