/**
 * One requantizer for all hidden layers of a dense design, or one per layer: whichever the estimate
 * below says is cheaper (`requantChoice`).
 *
 * At most one value leaves the bias stage per cycle, so a single adder tree can requantize for every
 * layer. Its operands are digit slots: slot j is x <<< j for every bit position j at which some
 * layer's multiplier has a CSD digit. A layer whose digit at j is 0 gates the slot to 0; a digit of
 * -1 inverts x before the shift (-(x * 2^j) = (~x) * 2^j + 2^j: the 2^j joins a per-layer constant
 * operand with the rounding constant 2^(sh-1)). The tree then has one adder per used position instead of one per term of every layer,
 * plus an AND/XOR gate per bit on the positions where the layers' digits differ. The shift and
 * clamp stay per layer: bit selections of the one product, chosen by the last stage's layer.
 * Multiplier-free, and the same integers as the per-layer trees (every partial sum is taken modulo
 * 2^productBits; the final sum, x * m + rounding, fits that width for every layer).
 */
import type { RequantPlan } from "../common/requant.js";
import { treeStages } from "../common/requant.js";

/** "auto": the cheaper by the estimate; the other two force a structure (tests, measurements). */
export type RequantSharing = "auto" | "shared" | "per-layer";

export interface DigitSlot {
  /** The bit position: the operand is x <<< shift. */
  shift: number;
  /** Each requantizing layer's CSD digit at this position. */
  digits: Array<{ layer: number; digit: -1 | 0 | 1 }>;
}

export interface SharedRequant {
  /** Product width: the widest of the layers' own product widths. */
  productBits: number;
  /** Accumulator bits read from the bias stage: the widest requantizing layer's. */
  xBits: number;
  /** Slots by descending position. */
  slots: DigitSlot[];
  /** Per requantizing layer: rounding constant plus 2^j per -1 digit at j (the constant operand). */
  constants: Array<{ layer: number; value: number }>;
  /** Operands of the tree: the slots plus the constant operand when some layer's constant is not 0. */
  operands: number;
  stages: number;
}

export interface RequantChoice {
  /** What was asked for ("auto" unless forced). */
  requested: RequantSharing;
  mode: "shared" | "per-layer";
  /** Estimated cost of either structure in LUT-sized bit cells (see requantCosts). */
  perLayerCost: number;
  sharedCost: number;
  /** The shared tree (also when per-layer is chosen, for reporting); null with fewer than two requantizing layers (unless forced). */
  shared: SharedRequant | null;
}

interface Requantizing {
  index: number;
  accBits: number;
  requant: RequantPlan;
}

/**
 * Cost per bit of a gated slot relative to a tree adder's bit: one LUT, measured (issue 13,
 * docs/hardware.md). Under synth_xilinx the gated value feeds the carry chain's DI input as well
 * as its XOR, so it needs a LUT of its own; under synth_ice40 it is a LUT4 beside the adder's.
 */
export const GATE_COST = 1;

export function sharedRequant(layers: readonly Requantizing[]): SharedRequant {
  const digitAt = (rq: RequantPlan, shift: number): -1 | 0 | 1 => rq.terms.find((t) => t.shift === shift)?.sign ?? 0;
  const shifts = [...new Set(layers.flatMap((l) => l.requant.terms.map((t) => t.shift)))].sort((a, b) => b - a);
  const slots = shifts.map((shift) => ({ shift, digits: layers.map((l) => ({ layer: l.index, digit: digitAt(l.requant, shift) })) }));
  // -(x * 2^j) = (~x) * 2^j + 2^j: the slot inverts x before the shift (its low j bits stay zero, so
  // synthesis narrows the adders as in the per-layer trees) and the constant takes the 2^j.
  const constants = layers.map((l) => ({ layer: l.index, value: l.requant.terms.reduce((c, t) => c + (t.sign < 0 ? 2 ** t.shift : 0), l.requant.roundConst) }));
  const operands = slots.length + (constants.some((c) => c.value !== 0) ? 1 : 0);
  return {
    productBits: Math.max(...layers.map((l) => l.requant.productBits)),
    xBits: Math.max(...layers.map((l) => l.accBits)),
    slots,
    constants,
    operands,
    stages: treeStages(operands),
  };
}

/** A slot whose digit is the same nonzero value in every layer needs no gate. */
export const slotGated = (s: DigitSlot): boolean => s.digits.some((d) => d.digit !== s.digits[0]!.digit) || s.digits[0]!.digit === 0;

/**
 * Bit cells of both structures: a tree of n operands has n - 1 adders of the product width; the
 * shared tree adds GATE_COST per bit of every gated slot and one LUT per product bit when the
 * layers' constants differ (a constant chosen by the layer).
 */
export function requantCosts(layers: readonly Requantizing[], shared: SharedRequant): { perLayer: number; shared: number } {
  const perLayer = layers.reduce((s, l) => s + (l.requant.terms.length + (l.requant.roundConst > 0 ? 1 : 0) - 1) * l.requant.productBits, 0);
  const pw = shared.productBits;
  const gated = shared.slots.filter(slotGated).length;
  const constMux = new Set(shared.constants.map((c) => c.value)).size > 1 ? pw : 0;
  return { perLayer, shared: (shared.operands - 1) * pw + GATE_COST * gated * pw + constMux };
}

/** Shared or per-layer requantizers for these layers; `sharing` other than "auto" forces one. */
export function requantChoice(layers: readonly Requantizing[], sharing: RequantSharing): RequantChoice {
  // One layer: the same tree either way (kept per-layer unless forced).
  if (layers.length === 0 || (layers.length === 1 && sharing !== "shared")) return { requested: sharing, mode: "per-layer", perLayerCost: 0, sharedCost: 0, shared: null };
  const shared = sharedRequant(layers);
  const c = requantCosts(layers, shared);
  const mode = sharing === "auto" ? (c.shared < c.perLayer ? "shared" : "per-layer") : sharing;
  return { requested: sharing, mode, perLayerCost: c.perLayer, sharedCost: c.shared, shared };
}
