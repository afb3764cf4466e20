/**
 * Effective compression ratio (Sung, Shin, Hwang 2015), as pure functions.
 *
 * For a quantized network Q: ECR = memory of the float network of the same family that reaches Q's
 * accuracy / memory of Q. The float memory is read off the float accuracy-versus-size curve
 * (size = number of weights), interpolated linearly in log(size), at 32 bits per weight; Q's memory
 * is the bits it actually stores (ceil(log2 M) per weight; log2 M is reported beside it).
 *
 * Non-monotone float curves: we use the monotone envelope. A float net is kept only if it is more
 * accurate than every smaller one; a bigger net that is no better than a smaller one is dominated
 * (you would build the smaller one), so it never defines the "float net reaching this accuracy".
 *
 * Edges, reported as bounds rather than invented numbers:
 *  - Q more accurate than every float net: the float net would need more weights than the largest
 *    one we trained, so ECR >= (largest float memory) / (memory of Q)      -> bound "lower".
 *  - Q less accurate than the smallest float net: some float net no bigger than the smallest would
 *    do, so ECR <= (smallest float memory) / (memory of Q)                 -> bound "upper".
 */
import { TritforgeError } from "../util/errors.js";

export const FLOAT_BITS_PER_WEIGHT = 32;

export interface CurvePoint {
  /** Size on the curve's axis: weights for memory ECR, or any cost (e.g. area) for a cost ECR. */
  size: number;
  accuracy: number;
}

export type Bound = "exact" | "lower" | "upper";

/** The float curve's monotone envelope: sorted by size, strictly increasing in accuracy. */
export function monotoneEnvelope(points: readonly CurvePoint[]): CurvePoint[] {
  for (const p of points)
    if (!(p.size > 0) || !Number.isFinite(p.size) || !Number.isFinite(p.accuracy)) throw new TritforgeError(`float curve point has a bad size or accuracy: ${JSON.stringify(p)}`);
  const sorted = [...points].sort((a, b) => a.size - b.size || b.accuracy - a.accuracy);
  const env: CurvePoint[] = [];
  for (const p of sorted) if (env.length === 0 || p.accuracy > env[env.length - 1]!.accuracy) env.push({ size: p.size, accuracy: p.accuracy });
  return env;
}

export interface Equivalent {
  /** Size of the float net with the same accuracy (or the bound's size). */
  size: number;
  bound: Bound;
}

/** Size of the float net (on the envelope) that reaches `accuracy`, interpolated in log(size). */
export function equivalentFloatSize(envelope: readonly CurvePoint[], accuracy: number): Equivalent {
  if (envelope.length === 0) throw new TritforgeError("no float points to compare with");
  const first = envelope[0]!;
  const last = envelope[envelope.length - 1]!;
  if (accuracy > last.accuracy) return { size: last.size, bound: "lower" };
  if (accuracy < first.accuracy) return { size: first.size, bound: "upper" };
  if (accuracy === first.accuracy) return { size: first.size, bound: "exact" };
  for (let i = 0; i + 1 < envelope.length; i++) {
    const a = envelope[i]!;
    const b = envelope[i + 1]!;
    if (accuracy > a.accuracy && accuracy <= b.accuracy) {
      const t = (accuracy - a.accuracy) / (b.accuracy - a.accuracy);
      if (t === 1) return { size: b.size, bound: "exact" };
      return { size: Math.exp(Math.log(a.size) + t * (Math.log(b.size) - Math.log(a.size))), bound: "exact" };
    }
  }
  throw new Error("unreachable: accuracy inside the envelope but in no segment");
}

export interface Ecr {
  value: number;
  bound: Bound;
  /** Weights of the equivalent float net (or of the bounding one). */
  floatWeights: number;
  floatBits: number;
  quantBits: number;
}

/** Memory ECR of a quantized net with `accuracy` storing `quantBits` bits, against a float curve (size = weights). */
export function memoryEcr(floatCurve: readonly CurvePoint[], accuracy: number, quantBits: number, floatBitsPerWeight = FLOAT_BITS_PER_WEIGHT): Ecr {
  if (!(quantBits > 0)) throw new TritforgeError(`quantized memory must be positive, got ${quantBits}`);
  const eq = equivalentFloatSize(monotoneEnvelope(floatCurve), accuracy);
  const floatBits = eq.size * floatBitsPerWeight;
  return { value: floatBits / quantBits, bound: eq.bound, floatWeights: eq.size, floatBits, quantBits };
}

/**
 * Cost ECR (hook for the hardware cost model): the same rule on any cost axis, e.g. Yosys area.
 * `floatCurve` sizes are the float nets' costs; the result is float cost / quantized cost.
 */
export function costEcr(floatCurve: readonly CurvePoint[], accuracy: number, quantCost: number): { value: number; bound: Bound; floatCost: number } {
  if (!(quantCost > 0)) throw new TritforgeError(`quantized cost must be positive, got ${quantCost}`);
  const eq = equivalentFloatSize(monotoneEnvelope(floatCurve), accuracy);
  return { value: eq.size / quantCost, bound: eq.bound, floatCost: eq.size };
}

/** "12.3", ">= 12.3" or "<= 12.3". */
export function formatEcr(e: { value: number; bound: Bound }, digits = 2): string {
  const v = e.value.toFixed(digits);
  return e.bound === "exact" ? v : e.bound === "lower" ? `>= ${v}` : `<= ${v}`;
}
