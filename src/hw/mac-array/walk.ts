/**
 * The mac-array's window walk (address generator) for networks with convolutions: the constants
 * of each layer's walk and the widths of the walk's counters. Dense-only networks do not use it
 * (their issue stage is a plain input counter).
 *
 * A layer issues runs of N_in = k * k * C_in MAC cycles in the order: pooled pixel row py, column
 * px, lane group g, pool-window row wy, column wx (the conv pixel oy = py * stride + wy,
 * ox = px * stride + wx), then the window inputs (ky, kx, ci). Counters iy = oy + ky and
 * ix = ox + kx count in the zero-padded frame, a = (iy * W + ix) * C + ci there: every step is an
 * increment or a reload from a running start, no multiplication. An input is real when
 * pad <= iy < H + pad and pad <= ix < W + pad, and is then read at buffer address a - padOffset;
 * otherwise the lane sees 0 (the padding exists only in the generator). A dense layer (after the
 * first conv) is the 1 x 1 case: C = N_in, no padding, no pooling.
 *
 * Max-pooling happens on the accumulators: each lane keeps the running maximum over the pool
 * window's runs (requantization is monotonic, so the requantized maximum is the maximum of the
 * requantized values), and only the window's last run moves results into the drain. Conv outputs
 * that no pool window reads (maps the windows do not divide) are never computed; overlapping
 * windows (size > stride) recompute the shared pixels.
 */
import type { LoweredStage } from "../lower/types.js";
import type { LaneOrder } from "./lane-order.js";
import { unsignedBits } from "../../ir/analyze.js";

export interface WalkPlan {
  height: number;
  width: number;
  channels: number;
  kernel: number;
  padding: number;
  /** Pool window size and stride (1 and 1 without pooling). */
  poolSize: number;
  poolStride: number;
  /** The layer's output map rows and columns (pooled). */
  outHeight: number;
  outWidth: number;
  /** Address step between window rows: W * C. */
  rowStep: number;
  /** (pad * W + pad) * C: the padded-frame address of input (0, 0, 0). */
  padOffset: number;
  /** Runs of N_in cycles: lane groups * poolSize^2. */
  runs: number;
  /**
   * The second walker (lanes ordered over "outputs", lane-order.ts) works on the pooled pixel after
   * the first one's: its padded-frame address is the first one's plus nextStep, or plus nextWrap when
   * the first is at the end of its row (its column counter then drops by nextIxWrap and its row
   * counter grows by the pool stride). Null for layers whose groups stay within one pixel.
   */
  next: { step: number; wrap: number; ixWrap: number } | null;
  /** Largest padded-frame address a walk register reaches (its last reload included). */
  maxAddress: number;
  /** Largest iy / ix counter value (reloads included). */
  maxCoord: number;
}

export function walkOf(stage: LoweredStage, order: LaneOrder, groups: number): WalkPlan {
  const w = stage.window;
  const { height: H, width: W, channels: C } = w.input;
  const pad = w.padding;
  const poolSize = stage.pool?.size ?? 1;
  const poolStride = stage.pool?.stride ?? 1;
  const rowStep = W * C;
  const maxRow = H + 2 * pad - 1;
  const maxCol = W + 2 * pad - 1;
  const orgStepX = poolStride * C;
  const lastPx = stage.outMap.width - 1;
  // The second walker is at most one pool stride of rows ahead of the first.
  const next = order === "outputs" ? { step: orgStepX, wrap: poolStride * rowStep - lastPx * orgStepX, ixWrap: lastPx * poolStride } : null;
  const ahead = next ? poolStride * rowStep : 0;
  return {
    height: H,
    width: W,
    channels: C,
    kernel: w.kernel,
    padding: pad,
    poolSize,
    poolStride,
    outHeight: stage.outMap.height,
    outWidth: stage.outMap.width,
    rowStep,
    padOffset: (pad * W + pad) * C,
    runs: groups * poolSize ** 2,
    next,
    // The last input of the last window, plus a row step and a pool stride of headroom (and the
    // second walker's lead).
    maxAddress: (maxRow * W + maxCol) * C + C - 1 + rowStep + C * poolStride + ahead,
    maxCoord: Math.max(maxRow, maxCol) + poolStride + (next ? poolStride : 0),
  };
}

/** Widths of the walk's registers, over every layer. */
export interface WalkWidths {
  /** Padded-frame addresses (at least the output address width: the read address is its slice). */
  address: number;
  channel: number;
  kernel: number;
  pool: number;
  pixel: number;
  coord: number;
}

const countBits = (n: number): number => Math.max(1, unsignedBits(n - 1));

export function walkWidths(walks: readonly WalkPlan[], outAddrBits: number): WalkWidths {
  const max = (f: (w: WalkPlan) => number) => Math.max(...walks.map(f));
  return {
    address: Math.max(outAddrBits, unsignedBits(max((w) => w.maxAddress))),
    channel: countBits(max((w) => w.channels)),
    kernel: countBits(max((w) => w.kernel)),
    pool: countBits(max((w) => w.poolSize)),
    pixel: countBits(max((w) => Math.max(w.outHeight, w.outWidth))),
    coord: unsignedBits(max((w) => w.maxCoord)),
  };
}

/** Outputs of a layer the network uses: with pooling, the pre-pool values some pool window reads. */
export function neededOutputs(walk: WalkPlan, outChannels: number): number {
  const span = (n: number) => Math.min((n - 1) * walk.poolStride + walk.poolSize, n * walk.poolSize);
  return span(walk.outHeight) * span(walk.outWidth) * outChannels;
}
