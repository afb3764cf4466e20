/**
 * One requantizer for all hidden layers of a dense design, or one per layer: whichever the estimate
 * below says is cheaper (`requantChoice`).
 *
 * At most one value leaves the bias stage per cycle, so a single adder tree can requantize for every
 * layer. Its operands are digit slots: slot j is x <<< j for every bit position j at which some
 * layer's multiplier has a CSD digit. A layer whose digit at j is 0 gates the slot to 0; a digit of
 * -1 inverts it (~v = -v - 1: the +1 joins a per-layer constant operand with the rounding constant
 * 2^(sh-1)). The tree then has one adder per used position instead of one per term of every layer,
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
  /** Per requantizing layer: rounding constant plus one per -1 digit (the constant operand). */
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
 * Cost per bit of a gated slot operand relative to a tree adder's bit. Measured (issue 13, see
 * docs/hardware.md): under synth_xilinx the gate merges into the adder's LUT6 (about 0); under
 * synth_ice40 it is one more LUT4 beside the adder's (about 1).
 */
export const GATE_COST = 0.5;

export function sharedRequant(layers: readonly Requantizing[]): SharedRequant {
  const digitAt = (rq: RequantPlan, shift: number): -1 | 0 | 1 => rq.terms.find((t) => t.shift === shift)?.sign ?? 0;
  const shifts = [...new Set(layers.flatMap((l) => l.requant.terms.map((t) => t.shift)))].sort((a, b) => b - a);
  const slots = shifts.map((shift) => ({ shift, digits: layers.map((l) => ({ layer: l.index, digit: digitAt(l.requant, shift) })) }));
  const constants = layers.map((l) => ({ layer: l.index, value: l.requant.roundConst + l.requant.terms.filter((t) => t.sign < 0).length }));
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
