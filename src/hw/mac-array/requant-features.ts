/**
 * Logic of one requantizer (the CSD shift-add of ../common/requant.ts) as bit counts for the
 * analytic cost model: adder bits and register bits. A summand `x <<< s` (x: the layer's accumulator
 * bits, signed) has s constant-zero low bits and accBits + s significant bits (one more negated),
 * the rounding constant 2^(sh-1) has sh-1 zeros; a sum is one bit wider than its wider operand (at
 * most the product width), its bits below the larger of the operands' zero runs are copied from the
 * other operand (no logic), and synthesis drops constant-zero and sign-copy register bits. Mirrors the adder tree of `requantPipeView` (pairs (0,1), (2,3), ... per
 * stage while more than two items are left, then carried) and the left-to-right chain of
 * `requantView` (window-walk designs).
 */
import type { RequantPlan } from "../common/requant.js";

export interface RequantBits {
  /** Adder bits (each adder: product bits above the operands' common constant-zero run). */
  adder: number;
  /** Register bits of the pipeline stages (0 for the combinational chain). */
  register: number;
  /** Shared requantizer only: gate bits of the digit slots (AND with the layer's digit, XOR for -1) and of the per-layer constant. */
  gate?: number;
}

/** A summand or partial sum: bits [lo, hi) carry information (below lo: zeros; from hi: sign copies). */
interface Span {
  lo: number;
  hi: number;
}

/** The summands: the CSD terms +-(x <<< s) in order (x of `accBits` signed bits), then the rounding constant. */
function summands(rq: RequantPlan, accBits: number): Span[] {
  const spans = rq.terms.map((t) => ({ lo: t.shift, hi: Math.min(rq.productBits, accBits + t.shift + (t.sign < 0 ? 1 : 0)) }));
  if (rq.roundConst > 0) spans.push({ lo: rq.shift - 1, hi: rq.shift + 1 });
  return spans;
}

/** The sum of two spans in a `width`-bit adder, and its adder bits (from the higher of the two zero runs up). */
function add(width: number, a: Span, b: Span): { sum: Span; bits: number } {
  const sum = { lo: Math.min(a.lo, b.lo), hi: Math.min(width, Math.max(a.hi, b.hi) + 1) };
  return { sum, bits: sum.hi - Math.max(a.lo, b.lo) };
}

/** A pairwise adder tree over `operands` (`width`-bit sums) with `stages` register stages, as adderTree builds it. */
function treeBits(operands: readonly Span[], width: number, stages: number): RequantBits {
  let items = [...operands];
  let adder = 0;
  let register = 0;
  for (let s = 0; s < stages; s++) {
    const pairUp = items.length > 2;
    const next: Span[] = [];
    for (let i = 0; i < items.length; i += pairUp ? 2 : 1) {
      const a = items[i]!;
      const b = pairUp ? items[i + 1] : undefined;
      const r = b === undefined ? { sum: a, bits: 0 } : add(width, a, b);
      adder += r.bits;
      register += r.sum.hi - r.sum.lo;
      next.push(r.sum);
    }
    items = next;
  }
  if (items.length === 2) adder += add(width, items[0]!, items[1]!).bits; // the last add, before the clamp
  return { adder, register };
}

/** One layer's pipelined adder tree with `stages` register stages (dense designs, per-layer requantizers). */
export const requantTreeBits = (rq: RequantPlan, accBits: number, stages: number): RequantBits => treeBits(summands(rq, accBits), rq.productBits, stages);

/** The combinational left-to-right chain (window-walk designs): no registers. */
export function requantChainBits(rq: RequantPlan, accBits: number): RequantBits {
  const [first, ...rest] = summands(rq, accBits);
  let acc = first!;
  let adder = 0;
  for (const b of rest) {
    const r = add(rq.productBits, acc, b);
    adder += r.bits;
    acc = r.sum;
  }
  return { adder, register: 0 };
}

/** The parts of a shared requantizer (requant-share.ts) its bit counts depend on. */
export interface SharedTreeShape {
  productBits: number;
  /** Accumulator bits read from the bias stage. */
  xBits: number;
  /** Digit slots x <<< shift, each layer's digit. */
  slots: ReadonlyArray<{ shift: number; digits: ReadonlyArray<{ digit: -1 | 0 | 1 }> }>;
  /** Each layer's constant operand (rounding constant plus one per -1 digit). */
  constants: ReadonlyArray<{ value: number }>;
  stages: number;
}

/**
 * One requantizer shared by the hidden layers (render.ts sharedRequantView): each digit slot is one
 * operand x <<< shift, x first inverted (a -1 digit) and gated (a 0 digit) at its own width, so a
 * slot whose digits differ between layers has a gate per x bit; then the constant operand (rounding
 * plus 2^j per -1 digit at j: a per-layer choice when the layers' constants differ); summed by the
 * same pairwise tree.
 */
export function sharedTreeBits(sr: SharedTreeShape): RequantBits {
  const operands: Span[] = [];
  let gate = 0;
  for (const slot of sr.slots) {
    const n = slot.digits.length;
    const neg = slot.digits.filter((d) => d.digit < 0).length;
    const on = slot.digits.filter((d) => d.digit !== 0).length;
    if ((neg > 0 && neg < n) || on < n) gate += sr.xBits;
    operands.push({ lo: slot.shift, hi: Math.min(sr.productBits, sr.xBits + slot.shift) });
  }
  const values = [...new Set(sr.constants.map((c) => c.value))];
  const constBits = Math.max(...values.map((v) => Math.ceil(Math.log2(v + 1)))) + 1;
  if (values.length > 1) gate += constBits;
  if (values.some((v) => v !== 0)) operands.push({ lo: 0, hi: constBits });
  return { ...treeBits(operands, sr.productBits, sr.stages), gate };
}
