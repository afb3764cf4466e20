/**
 * Addressing rules of the lowered form (types.ts): which activation a window input reads, which
 * block a pooled output covers. Pure index arithmetic, shared by the interpreter, the architectures'
 * plans and their tests.
 */
import type { MapShape, Pool, Window } from "./types.js";

/** Index of element (y, x, c) in HWC order. */
export const hwcIndex = (m: MapShape, y: number, x: number, c: number): number => (y * m.width + x) * m.channels + c;

/** Window input j as kernel offsets and input channel: j = (ky * kernel + kx) * C_in + ci. */
export function windowOffset(w: Window, j: number): { ky: number; kx: number; ci: number } {
  const c = w.input.channels;
  const ci = j % c;
  const kk = (j - ci) / c;
  const kx = kk % w.kernel;
  return { ky: (kk - kx) / w.kernel, kx, ci };
}

/**
 * Input-map index read by input j of output pixel (oy, ox), or -1 where the window covers zero
 * padding (the zero is produced by the addressing, never stored).
 */
export function windowAddress(w: Window, oy: number, ox: number, j: number): number {
  const { ky, kx, ci } = windowOffset(w, j);
  const iy = oy + ky - w.padding;
  const ix = ox + kx - w.padding;
  if (iy < 0 || ix < 0 || iy >= w.input.height || ix >= w.input.width) return -1;
  return hwcIndex(w.input, iy, ix, ci);
}

/** The (row, column) of the top-left pre-pool pixel of pooled pixel (py, px). */
export const poolOrigin = (p: Pool, py: number, px: number): { y: number; x: number } => ({ y: py * p.stride, x: px * p.stride });
