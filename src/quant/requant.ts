/**
 * Requantization parameters: the integer pair (multiplier m, shift sh) that hidden layers use to
 * rescale accumulators, x = clamp((acc * m + 2^(sh-1)) >> sh, 0, 2^B - 1), with m / 2^sh standing
 * for the real ratio delta * s_in / s_out (numeric contract).
 */
import { TritforgeError } from "../util/errors.js";

/** The reference model computes acc * m + 2^(sh-1) in doubles: it must stay below 2^52 (src/ir/analyze.ts). */
export const EXACT_LIMIT = 2 ** 52;
const MAX_SHIFT = 62;
/** The IR allows multipliers up to 2^24. */
const MAX_MULTIPLIER_BITS = 24;

export interface RequantParams {
  multiplier: number;
  shift: number;
}

/**
 * The most precise (m, sh) with 1 <= m < 2^multiplierBits (default 16) and sh >= 1 such that
 * accMax * m + 2^(sh-1) < 2^52: the largest shift whose rounded multiplier still fits, so m lands
 * in [2^(bits-1), 2^bits) whenever the overflow bound allows, and |m / 2^sh - ratio| <= 2^-(sh+1),
 * i.e. a relative error of at most 1 / (2m).
 */
export function requantParams(ratio: number, accMax: number, opts: { multiplierBits?: number } = {}): RequantParams {
  const bits = opts.multiplierBits ?? 16;
  if (!(ratio > 0 && Number.isFinite(ratio))) throw new TritforgeError(`requantization ratio must be a positive finite number, got ${ratio}`);
  if (!(accMax >= 0 && Number.isFinite(accMax))) throw new TritforgeError(`accumulator bound must be a finite number >= 0, got ${accMax}`);
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_MULTIPLIER_BITS)
    throw new TritforgeError(`multiplierBits must be an integer in [1, ${MAX_MULTIPLIER_BITS}], got ${bits}`);
  const mLimit = 2 ** bits;
  for (let shift = MAX_SHIFT; shift >= 1; shift--) {
    const multiplier = Math.round(ratio * 2 ** shift);
    if (multiplier < 1) break; // smaller shifts only shrink it further
    if (multiplier >= mLimit) continue;
    if (accMax * multiplier + 2 ** (shift - 1) < EXACT_LIMIT) return { multiplier, shift };
  }
  if (Math.round(ratio * 2) >= mLimit)
    throw new TritforgeError(`requantization ratio ${ratio} is too large for a ${bits}-bit multiplier with shift >= 1 (use a larger output scale)`);
  throw new TritforgeError(
    `requantization ratio ${ratio} is too small to represent with accumulators up to ${accMax} (every output would be 0; use a smaller output scale)`,
  );
}

/** The real ratio a (multiplier, shift) pair stands for. */
export const requantRatio = (p: RequantParams): number => p.multiplier / 2 ** p.shift;
