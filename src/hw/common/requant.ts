/**
 * The CSD requantizer shared by every architecture: clamp((acc * m + 2^(sh-1)) >> sh, 0, 2^B - 1)
 * with the multiplier as a sum of shifted copies (canonical signed digits) and the shift as a bit
 * selection. `planRequant` computes its widths; `requantView` the Verilog fragments that the
 * `requant` partial (common/templates/requant.v.hbs) pastes.
 */
import { unsignedBits } from "../../ir/analyze.js";
import { csdTerms, type CsdTerm } from "./csd.js";
import { signExtend, zeroExtend } from "./verilog.js";

export interface RequantPlan {
  multiplier: number;
  shift: number;
  outBits: number;
  /** CSD terms of the multiplier: the product is a sum of shifted copies. */
  terms: CsdTerm[];
  /** Width of the signed product register (holds acc * m + rounding with headroom). */
  productBits: number;
  /** 2^(shift-1), or 0 when shift = 0. */
  roundConst: number;
}

export function planRequant(multiplier: number, shift: number, outBits: number, accBits: number): RequantPlan {
  const terms = csdTerms(multiplier);
  const mBits = unsignedBits(multiplier);
  // Product plus rounding constant must fit; +2 bits cover CSD partial sums and the sign.
  const productBits = Math.max(accBits + mBits + 2, shift + outBits + 2);
  return { multiplier, shift, outBits, terms, productBits, roundConst: shift > 0 ? 2 ** (shift - 1) : 0 };
}

export interface RequantView {
  /** Suffix of the wire names (rq_x_<suffix>, rq_p_<suffix>, rq_y_<suffix>). */
  suffix: string;
  multiplier: number;
  shift: number;
  outBits: number;
  productBits: number;
  xExt: string;
  sumExpr: string;
  signBit: number;
  ovfLow: number;
  maxOut: number;
  lowUnused: boolean;
  lowTop: number;
  /** rq_y_<suffix> zero-extended to the activation word. */
  yExt: string;
}

/**
 * View of one requantizer reading the `accBits`-wide signed expression `acc` (whose top bit is
 * `accMsb`), producing `rq_y_<suffix>`, zero-extended to `actBits` in `yExt`.
 */
export function requantView(rq: RequantPlan, suffix: string, acc: string, accMsb: string, accBits: number, actBits: number): RequantView {
  const pw = rq.productBits;
  const x = `rq_x_${suffix}`;
  const shifted = (s: number) => (s === 0 ? x : `(${x} <<< ${s})`);
  let sumExpr = rq.terms.map((t, i) => `${i === 0 ? "" : t.sign > 0 ? " + " : " - "}${shifted(t.shift)}`).join("");
  if (rq.roundConst > 0) sumExpr += ` + ${pw}'sd${rq.roundConst}`;
  return {
    suffix,
    multiplier: rq.multiplier,
    shift: rq.shift,
    outBits: rq.outBits,
    productBits: pw,
    xExt: signExtend(acc, accMsb, accBits, pw),
    sumExpr,
    signBit: pw - 1,
    ovfLow: rq.shift + rq.outBits,
    maxOut: 2 ** rq.outBits - 1,
    lowUnused: rq.shift > 0,
    lowTop: rq.shift - 1,
    yExt: zeroExtend(`rq_y_${suffix}`, rq.outBits, actBits),
  };
}

/** A requantizer as a pipelined adder tree (requantPipeView). */
export interface RequantPipeView extends RequantView, AdderTree {}

/** Register stages a pairwise adder tree over `items` operands needs, at most one adder per stage (>= 1). */
export function treeStages(items: number): number {
  let n = Math.ceil(items / 2);
  let stages = 1;
  while (n > 2) {
    n = Math.ceil(n / 2);
    stages++;
  }
  return stages;
}

/** Register stages the CSD sum of `rq` needs when every stage holds at most one adder (>= 1). */
export const requantStages = (rq: RequantPlan): number => treeStages(rq.terms.length + (rq.roundConst > 0 ? 1 : 0));

export interface AdderTree {
  /** Registers of the adder tree, stage by stage (each stage at most one adder deep). */
  regs: Array<{ name: string }>;
  stages: Array<{ enable: string; assigns: Array<{ name: string; expr: string }> }>;
  /** The last add (combinational), feeding the shift and clamp. */
  finalExpr: string;
}

/**
 * Operands `items` (Verilog expressions; a leading "-" subtracts) summed pairwise, one register
 * stage per tree level (registers rq_s<stage>_<i>_<suffix>), padded to `enables.length` levels;
 * `enables[s]` loads stage s. The last add is left combinational in `finalExpr`.
 */
export function adderTree(operands: readonly string[], suffix: string, enables: readonly string[]): AdderTree {
  let items = [...operands];
  const pair = (a: string, b: string | undefined) => (b === undefined ? a : b.startsWith("-") ? `${a} - ${b.slice(1)}` : `${a} + ${b}`);
  const regs: AdderTree["regs"] = [];
  const stages: AdderTree["stages"] = [];
  enables.forEach((enable, s) => {
    const next: string[] = [];
    const assigns: Array<{ name: string; expr: string }> = [];
    // Pair up while more than two items are left; afterwards the stage only carries them along.
    const pairUp = items.length > 2;
    for (let i = 0; i < items.length; i += pairUp ? 2 : 1) {
      const name = `rq_s${s + 1}_${next.length}_${suffix}`;
      assigns.push({ name, expr: pairUp ? pair(items[i]!, items[i + 1]) : items[i]! });
      regs.push({ name });
      next.push(name);
    }
    stages.push({ enable, assigns });
    items = next;
  });
  if (items.length > 2) throw new Error(`requantizer ${suffix}: ${enables.length} stages are too few for ${operands.length} operands`);
  return { regs, stages, finalExpr: items.length === 1 ? items[0]! : pair(items[0]!, items[1]) };
}

/**
 * The requantizer as a pipelined adder tree: the CSD terms (and the rounding constant) are summed
 * pairwise, one register stage per tree level, padded to `stages` levels (so every layer of a design
 * has the same latency); `enables[s]` loads stage s. The last add, the shift and the clamp follow
 * the last stage combinationally. Same integers as `requantView`, `stages` cycles later.
 */
export function requantPipeView(rq: RequantPlan, suffix: string, acc: string, accMsb: string, accBits: number, actBits: number, enables: string[]): RequantPipeView {
  const base = requantView(rq, suffix, acc, accMsb, accBits, actBits);
  const pw = rq.productBits;
  const x = `rq_x_${suffix}`;
  const shifted = (s: number) => (s === 0 ? x : `(${x} <<< ${s})`);
  const items: string[] = rq.terms.map((t) => (t.sign > 0 ? shifted(t.shift) : `-${shifted(t.shift)}`));
  if (rq.roundConst > 0) items.push(`${pw}'sd${rq.roundConst}`);
  return { ...base, ...adderTree(items, suffix, enables) };
}
