/**
 * 3x3 "same" convolution and 2x2 max-pooling with backward passes made of forward ops only (the
 * wasm backend has no convolution or pooling gradient kernels).
 *  - conv: forward is tf.conv2d; dx is the convolution of dy with the flipped, transposed kernel;
 *    dw is im2col(x)^T . dy as one matrix product.
 *  - pool: 2x2, stride 2, floor (an odd last row/column is dropped, as in the integer model);
 *    forward is a reshape and max, backward routes dy to the positions equal to the maximum.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface ConvCache {
  x: tf.Tensor4D;
}

export function convForward(x: tf.Tensor4D, w: tf.Tensor4D, train: boolean): { out: tf.Tensor4D; cache: ConvCache } {
  return { out: tf.conv2d(x, w, 1, "same"), cache: { x: train ? x : (null as unknown as tf.Tensor4D) } };
}

/** Patches of a 3x3 "same" window: [n*h*w, 9*c], ordered (ky, kx, c) like a [3, 3, c, oc] kernel. */
export function im2col(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const parts: tf.Tensor4D[] = [];
  for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) parts.push(tf.slice(p, [0, ky, kx, 0], [n, h, w, c]));
  return tf.reshape(tf.concat(parts, 3), [n * h * w, 9 * c]);
}

export function convBackward(dy: tf.Tensor4D, w: tf.Tensor4D, cache: ConvCache, needDx: boolean): { dw: tf.Tensor4D; dx: tf.Tensor4D | null } {
  const [n, h, wd, oc] = dy.shape;
  const c = cache.x.shape[3];
  const cols = im2col(cache.x);
  const dw = tf.reshape(tf.matMul(tf.transpose(cols), tf.reshape(dy, [n * h * wd, oc])), [3, 3, c, oc]) as tf.Tensor4D;
  const dx = needDx ? tf.conv2d(dy, tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, "same") : null;
  return { dw, dx };
}

export interface PoolCache {
  x: tf.Tensor4D;
  out: tf.Tensor4D;
  inShape: [number, number, number, number];
  outShape: [number, number, number, number];
}

export function poolForward(x: tf.Tensor4D, train: boolean): { out: tf.Tensor4D; cache: PoolCache } {
  const [n, h, w, c] = x.shape;
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const xc = h % 2 || w % 2 ? tf.slice(x, [0, 0, 0, 0], [n, 2 * oh, 2 * ow, c]) : x;
  const out = tf.max(tf.reshape(xc, [n, oh, 2, ow, 2, c]), [2, 4]) as tf.Tensor4D;
  return { out, cache: { x: train ? (xc as tf.Tensor4D) : (null as unknown as tf.Tensor4D), out, inShape: [n, h, w, c], outShape: [n, oh, ow, c] } };
}

export function poolBackward(dy: tf.Tensor4D, cache: PoolCache): tf.Tensor4D {
  const [n, oh, ow, c] = cache.outShape;
  const x6 = tf.reshape(cache.x, [n, oh, 2, ow, 2, c]);
  const m6 = tf.reshape(cache.out, [n, oh, 1, ow, 1, c]);
  const d6 = tf.reshape(dy, [n, oh, 1, ow, 1, c]);
  let dx = tf.reshape(tf.mul(tf.cast(tf.equal(x6, m6), "float32"), d6), [n, 2 * oh, 2 * ow, c]) as tf.Tensor4D;
  const [, h, w] = cache.inShape;
  if (h !== 2 * oh || w !== 2 * ow) dx = tf.pad(dx, [[0, 0], [0, h - 2 * oh], [0, w - 2 * ow], [0, 0]]);
  return dx;
}
