/**
 * 3x3 "same" convolution and 2x2 max-pooling with backward passes made of forward ops only (the
 * wasm backend has no convolution or pooling gradient kernels).
 *  - conv: forward is tf.conv2d; dx is the convolution of dy with the flipped, transposed kernel;
 *    dw (convWeightGrad) is a convolution with batch and channels swapped, or patches^T . dy.
 *  - pool: 2x2, stride 2, floor (an odd last row/column is dropped, as in the integer model);
 *    forward is tf.maxPool, backward routes dy to the positions equal to the maximum.
 * Measured on this machine (wasm, batch 128, conv 16,16,32): the earlier im2col by pad + 9 slices +
 * concat and pooling by 6-D reshape/broadcast cost 5-10x more.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface ConvCache {
  x: tf.Tensor4D;
}

export function convForward(x: tf.Tensor4D, w: tf.Tensor4D, train: boolean): { out: tf.Tensor4D; cache: ConvCache } {
  return { out: tf.conv2d(x, w, 1, "same"), cache: { x: train ? x : (null as unknown as tf.Tensor4D) } };
}

/** Identity kernels that copy each (ky, kx) tap of a c-channel input into its own channel (depthwise, multiplier 9). */
const tapKernels = new Map<number, tf.Tensor4D>();
function tapKernel(c: number): tf.Tensor4D {
  let k = tapKernels.get(c);
  if (!k) {
    const e = new Float32Array(9 * c * 9);
    for (let t = 0; t < 9; t++) for (let ci = 0; ci < c; ci++) e[(t * c + ci) * 9 + t] = 1;
    k = tf.keep(tf.tensor4d(e, [3, 3, c, 9]));
    tapKernels.set(c, k);
  }
  return k;
}

/**
 * Weight gradient of a 3x3 "same" convolution, dw[ky][kx][c][o] = sum over n, y, x of
 * xpad[n][y+ky][x+kx][c] * dy[n][y][x][o], without gradient kernels:
 *  - one input channel: patches by a depthwise convolution with one-hot taps (9 channels), then
 *    patches^T . dy as one matrix product;
 *  - more channels: a convolution of the padded input with batch and channels swapped
 *    ([c, h+2, w+2, n]) by dy used as a [h, w, n, o] filter, giving [c, 3, 3, o].
 */
export function convWeightGrad(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const oc = dy.shape[3];
  if (c === 1) {
    const cols = tf.reshape(tf.depthwiseConv2d(x, tapKernel(1), 1, "same"), [n * h * w, 9]);
    return tf.reshape(tf.matMul(tf.transpose(cols), tf.reshape(dy, [n * h * w, oc])), [3, 3, 1, oc]) as tf.Tensor4D;
  }
  const xT = tf.transpose(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), [3, 1, 2, 0]) as tf.Tensor4D;
  const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  return tf.transpose(tf.conv2d(xT, dyT, 1, "valid"), [1, 2, 0, 3]) as tf.Tensor4D;
}

export function convBackward(dy: tf.Tensor4D, w: tf.Tensor4D, cache: ConvCache, needDx: boolean): { dw: tf.Tensor4D; dx: tf.Tensor4D | null } {
  const dw = convWeightGrad(cache.x, dy);
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
  const out = tf.maxPool(x, 2, 2, "valid");
  const [, oh, ow] = out.shape;
  return { out, cache: { x: train ? x : (null as unknown as tf.Tensor4D), out, inShape: [n, h, w, c], outShape: [n, oh, ow, c] } };
}

/**
 * Routes dy to the positions of each 2x2 window equal to its maximum: the pooled output and dy are
 * upsampled (nearest neighbour) and compared with the input elementwise. Ties (equal values in a
 * window) all receive the gradient; an odd last row/column (dropped by the pooling) receives none.
 */
export function poolBackward(dy: tf.Tensor4D, cache: PoolCache): tf.Tensor4D {
  const [, oh, ow] = cache.outShape;
  const [, h, w] = cache.inShape;
  const [n, , , c] = cache.inShape;
  const up = tf.image.resizeNearestNeighbor(cache.out, [2 * oh, 2 * ow]);
  const g = tf.image.resizeNearestNeighbor(dy, [2 * oh, 2 * ow]);
  if (h === 2 * oh && w === 2 * ow) return tf.mul(tf.cast(tf.equal(cache.x, up), "float32"), g) as tf.Tensor4D;
  // Odd size: compare on the pooled region, then zero-pad the dropped last row/column.
  const xc = tf.slice(cache.x, [0, 0, 0, 0], [n, 2 * oh, 2 * ow, c]);
  const dx = tf.mul(tf.cast(tf.equal(xc, up), "float32"), g);
  return tf.pad(dx, [[0, 0], [0, h - 2 * oh], [0, w - 2 * ow], [0, 0]]) as tf.Tensor4D;
}
