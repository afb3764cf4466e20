/**
 * The lowered network: every weight layer of the IR as one matrix-vector product over windows of an
 * activation map, with the max-pooling that follows it attached and flatten reduced to addressing.
 * Architectures (mac-array, dataflow) plan their hardware from this form; the IR stays the source
 * of truth and `lowerNetwork` is a pure function of it (tested against the reference on its own:
 * test/lower.test.ts).
 *
 * Memory order everywhere is the IR's HWC: element (y, x, c) of a map of width W and C channels
 * sits at index (y * W + x) * C + c. Flatten is the identity on that order, so it needs no stage.
 *
 * A stage computes, for every output pixel (oy, ox) of its `window` grid and every output channel
 * o, the accumulator
 *     acc[oy][ox][o] = bias[o] + sum_j weights[o * fanIn + j] * x[windowAddress(window, oy, ox, j)]
 * (a padding position, windowAddress = -1, contributes 0), then requantizes it (or keeps it as a
 * logit), then max-pools the map if `pool` is set. Input j of a window is (ky, kx, ci) with
 * j = (ky * kernel + kx) * C_in + ci: the IR's conv weight layout [out][ky][kx][in] is already the
 * matrix [out][fanIn], and a dense layer is the 1x1 case on a 1 x 1 x N map.
 */
import type { LayerOutput } from "../../ir/schema.js";

/** An activation map in HWC memory order (a flat vector of N values is 1 x 1 x N). */
export interface MapShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * The windows a stage reads: a square `kernel` sliding with stride 1 over `input` surrounded by
 * `padding` zeros on every side. `outHeight` x `outWidth` = (H + 2 padding - kernel + 1) x (W + ...).
 */
export interface Window {
  input: MapShape;
  kernel: number;
  padding: number;
  outHeight: number;
  outWidth: number;
}

/**
 * Max-pooling of a stage's (requantized) output map: output pixel (py, px) is the maximum of the
 * size x size block starting at (py * stride, px * stride), per channel. Rows and columns that no
 * window reaches (maps the windows do not divide) are dropped: out = floor((in - size) / stride) + 1.
 */
export interface Pool {
  /** IR index and name of the maxpool layer. */
  layerIndex: number;
  name: string;
  size: number;
  stride: number;
  outHeight: number;
  outWidth: number;
}

/** One matrix-vector product over windows (an IR dense or conv2d layer, plus its pooling). */
export interface LoweredStage {
  /** Position in `LoweredNetwork.stages`. */
  index: number;
  /** IR index and name of the weight layer. */
  layerIndex: number;
  name: string;
  /** The IR layer kind it comes from. */
  source: "dense" | "conv2d";
  /** IR indices of every layer folded into this stage: flattens before it, the weight layer, its maxpool. */
  layers: number[];
  window: Window;
  /** Inputs per output value: kernel^2 * C_in (a dense layer: its inFeatures). */
  fanIn: number;
  /** Rows of the weight matrix: output channels (a dense layer: its outFeatures). */
  outChannels: number;
  /** Output pixels of the product before pooling: window.outHeight * window.outWidth. */
  pixels: number;
  /** Weight matrix [outChannels][fanIn] (the IR layer's array, not copied). */
  weights: readonly number[];
  bias: readonly number[];
  levels: number;
  /** Requantization to the next signal, or logits for the last stage. */
  output: LayerOutput;
  /** Bits of the unsigned signal the stage reads. */
  inBits: number;
  /** Worst-case accumulator bits (from ir/analyze). */
  accBits: number;
  pool: Pool | null;
  /** The map the stage writes (after pooling); the last stage's values are the logits in this order. */
  outMap: MapShape;
}

export interface LoweredNetwork {
  name: string;
  /** The input image (or vector, as 1 x 1 x N), HWC. */
  input: MapShape;
  inputBits: number;
  stages: LoweredStage[];
  /** Number of logits: the last stage's outMap size. */
  classes: number;
}

/** The result of lowering: the network, or one line naming the IR layer that cannot be lowered and why. */
export type Lowering = { ok: true; network: LoweredNetwork } | { ok: false; refusal: string };

export const mapSize = (m: MapShape): number => m.height * m.width * m.channels;
