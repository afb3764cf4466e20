/**
 * The sliding-window generator of a conv2d layer on the dataflow architecture: which input pixels
 * the MVU reads on each cycle, in which order it visits the output pixels, and how max-pooling
 * rides on that order. Pure geometry from the lowered stage (hw/lower) and the layer's SIMD.
 *
 * Order of work for one image (docs/dataflow.md, "Convolution"): for every pooled pixel (py, px)
 * in raster order, every neuron fold nf, every conv pixel (dy, dx) of its size x size pooling
 * window, every synapse fold sf. Without pooling the grid is the conv output and the window 1 x 1.
 * The PE keeps the running maximum of its accumulators over the pooling window and drains it once
 * (requantization is monotonic, so max then requantize = requantize then max, exactly); conv
 * pixels no pooling window covers (maps the windows do not divide) are never computed, pixels that
 * overlapping windows share are computed once per window.
 *
 * A synapse fold reads SIMD consecutive inputs j of the window, j = (ky * K + kx) * C_in + ci:
 *  - SIMD divides C_in: a chunk of one pixel; `chunks` = C_in / SIMD chunks per pixel, one buffer
 *    read per pixel and window position;
 *  - SIMD = m * C_in with m dividing K * K: m whole pixels (window positions q m .. q m + m - 1);
 *    the image buffer is kept in m copies (same writes, one read port each), copy t reads position
 *    q m + t.
 * Any other SIMD would split a pixel across two reads and is refused. Window positions outside the
 * input map read as zero (padding produced by the generator, never stored).
 */
import type { LoweredStage } from "../lower/types.js";

export interface WindowPos {
  ky: number;
  kx: number;
}

export interface WindowPlan {
  /** Input map. */
  height: number;
  width: number;
  channels: number;
  kernel: number;
  padding: number;
  outHeight: number;
  outWidth: number;
  /** Pooling window and stride (1 and 1 without pooling) and the grid of pooled pixels. */
  poolSize: number;
  poolStride: number;
  gridHeight: number;
  gridWidth: number;
  pooled: boolean;
  /** Conv pixels computed per image: grid * poolSize^2. */
  visited: number;
  /** Copies of the image buffer (pixels read per cycle). */
  copies: number;
  /** Chunks per pixel (SIMD divides C_in), else 1. */
  chunks: number;
  /** Window position groups read one after the other: K^2 / copies. */
  groups: number;
  /** positions[q][t]: the window position copy t reads in group q. */
  positions: WindowPos[][];
}

export function planWindow(stage: LoweredStage, simd: number): WindowPlan {
  const w = stage.window;
  const c = w.input.channels;
  const k = w.kernel;
  const copies = simd > c ? simd / c : 1;
  const chunks = simd > c ? 1 : c / simd;
  const groups = (k * k) / copies;
  const p = stage.pool;
  const poolSize = p ? p.size : 1;
  const poolStride = p ? p.stride : 1;
  const gridHeight = p ? p.outHeight : w.outHeight;
  const gridWidth = p ? p.outWidth : w.outWidth;
  const positions = Array.from({ length: groups }, (_, q) =>
    Array.from({ length: copies }, (_, t) => {
      const pos = q * copies + t;
      return { ky: Math.floor(pos / k), kx: pos % k };
    }),
  );
  return {
    height: w.input.height,
    width: w.input.width,
    channels: c,
    kernel: k,
    padding: w.padding,
    outHeight: w.outHeight,
    outWidth: w.outWidth,
    poolSize,
    poolStride,
    gridHeight,
    gridWidth,
    pooled: p !== null,
    visited: gridHeight * gridWidth * poolSize * poolSize,
    copies,
    chunks,
    groups,
    positions,
  };
}

/**
 * Bounds and address offset of a window position: the conv pixel (oy, ox) reads input pixel
 * (oy + ky - pad, ox + kx - pad), present when oy in [yLo, yHi) and ox in [xLo, xHi); its word
 * address is oy W + ox + offset.
 */
export function positionBounds(wp: WindowPlan, pos: WindowPos): { yLo: number; yHi: number; xLo: number; xHi: number; offset: number } {
  const dy = pos.ky - wp.padding;
  const dx = pos.kx - wp.padding;
  return { yLo: Math.max(0, -dy), yHi: Math.max(0, wp.height - dy), xLo: Math.max(0, -dx), xHi: Math.max(0, wp.width - dx), offset: dy * wp.width + dx };
}
