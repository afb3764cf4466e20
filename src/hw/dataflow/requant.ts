/**
 * The dataflow MVU's requantizer: clamp((acc * m + 2^(sh-1)) >> sh, 0, 2^B - 1) with the multiplier's
 * CSD terms summed by a balanced tree of two-input adder modules (the PE trees' adder), instead of one
 * multi-operand expression that synthesis turns into a carry-save tree of full adders (about twice the
 * LUTs). Every operand and node is a `productBits`-wide two's-complement value held as its high part
 * above its known trailing zero bits: a term acc * 2^s has s zero bits, a negative term is
 * ~acc * 2^s (its missing +2^s joins the constant: -acc 2^s = ~acc 2^s + 2^s), and the constant
 * (rounding plus those corrections) has its own. An adder spans only the bits above the larger of
 * its operands' zero counts; the bits below pass through from the other operand. Sums are modulo
 * 2^productBits, exact because the final product fits (planRequant's width).
 */
import type { RequantPlan } from "../common/requant.js";
import { signExtend } from "../common/verilog.js";

export interface DfRequantView {
  suffix: string;
  label: string;
  multiplier: number;
  shift: number;
  roundConst: number;
  outBits: number;
  productBits: number;
  addName: string;
  acc: string;
  accBits: number;
  accName: string;
  /** Top accumulator bits no operand needs (the product is computed modulo 2^productBits). */
  accUnused: boolean;
  accUnusedRange: string;
  operands: Array<{ name: string; width: number; expr: string }>;
  nodes: Array<{ name: string; width: number; addWidth: number; a: string; b: string; hasLow: boolean; lowTop: number; low: string }>;
  product: string;
  signBit: number;
  ovfLow: number;
  maxOut: number;
  lowUnused: boolean;
  lowTop: number;
}

const trailingZeros = (v: bigint, width: number): number => {
  if (v === 0n) return width;
  let z = 0;
  while (((v >> BigInt(z)) & 1n) === 0n) z++;
  return z;
};

/** The adder tree of a requantizer: operands (CSD terms, then the constant) and the adders pairing them. */
export interface CsdTree {
  /** Per operand: trailing zero bits, and the term (index into rq.terms) or null for the constant. */
  operands: Array<{ zeros: number; term: number | null }>;
  constant: bigint;
  /** Per adder: its two inputs (operand k as k, adder j as operands.length + j), the one with more zeros first. */
  adders: Array<{ hi: number; lo: number; hiZeros: number; loZeros: number }>;
  /** The node holding the product, and its zero count. */
  root: number;
  rootZeros: number;
}

export function csdTree(rq: RequantPlan): CsdTree {
  const pw = rq.productBits;
  const operands: CsdTree["operands"] = rq.terms.map((t, k) => ({ zeros: t.shift, term: k }));
  let constant = BigInt(rq.roundConst);
  for (const t of rq.terms) if (t.sign < 0) constant += 1n << BigInt(t.shift);
  constant &= (1n << BigInt(pw)) - 1n;
  if (constant !== 0n) operands.push({ zeros: trailingZeros(constant, pw), term: null });
  // Balanced tree over the operands sorted by zero count (largest first), pairing neighbours.
  const adders: CsdTree["adders"] = [];
  type Node = { id: number; zeros: number };
  let level: Node[] = operands.map((o, id) => ({ id, zeros: o.zeros })).sort((a, b) => b.zeros - a.zeros);
  while (level.length > 1) {
    const next: Node[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) {
      const [hi, lo] = level[j]!.zeros >= level[j + 1]!.zeros ? [level[j]!, level[j + 1]!] : [level[j + 1]!, level[j]!];
      adders.push({ hi: hi.id, lo: lo.id, hiZeros: hi.zeros, loZeros: lo.zeros });
      next.push({ id: operands.length + adders.length - 1, zeros: lo.zeros });
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next.sort((a, b) => b.zeros - a.zeros);
  }
  return { operands, constant, adders, root: level[0]!.id, rootZeros: level[0]!.zeros };
}

/** Bits of the requantizer's adders (the cost model's feature). */
export const requantAdderBits = (rq: RequantPlan): number => csdTree(rq).adders.reduce((s, a) => s + rq.productBits - a.hiZeros, 0);

/**
 * View of one requantizer of `acc` (an `accBits`-wide signed expression whose top bit is `accMsb`),
 * producing `rq_y_<suffix>`; `addName` is the design's two-input adder module.
 */
export function dfRequantView(rq: RequantPlan, suffix: string, acc: string, accBits: number, addName: string, label: string): DfRequantView {
  const pw = rq.productBits;
  const tree = csdTree(rq);
  const names = [...tree.operands.map((o, k) => (o.term === null ? `rq_c_${suffix}` : `rq_o${k}_${suffix}`)), ...tree.adders.map((_, j) => `rq_n${j}_${suffix}`)];
  const zeros = [...tree.operands.map((o) => o.zeros), ...tree.adders.map((a) => a.loZeros)];
  const bits = (id: number, from: number, to: number) => `${names[id]}[${to - zeros[id]!}:${from - zeros[id]!}]`;
  // A term's operand is acc * 2^s modulo 2^pw: acc sign-extended or truncated to pw - s bits.
  const a = `rq_a_${suffix}`;
  const operands = tree.operands.map((o, k) => {
    const width = pw - o.zeros;
    if (o.term === null) return { name: names[k]!, width, expr: `${width}'d${(tree.constant >> BigInt(o.zeros)).toString()}` };
    const ext = width >= accBits ? signExtend(a, `${a}[${accBits - 1}]`, accBits, width) : `${a}[${width - 1}:0]`;
    return { name: names[k]!, width, expr: rq.terms[o.term]!.sign > 0 ? ext : `~${ext.startsWith("{") ? `(${ext})` : ext}` };
  });
  const usedAccBits = Math.min(accBits, Math.max(...tree.operands.filter((o) => o.term !== null).map((o) => pw - o.zeros)));
  const nodes = tree.adders.map((a, j) => ({
    name: names[tree.operands.length + j]!,
    width: pw - a.loZeros,
    addWidth: pw - a.hiZeros,
    a: bits(a.hi, a.hiZeros, pw - 1),
    b: bits(a.lo, a.hiZeros, pw - 1),
    hasLow: a.hiZeros > a.loZeros,
    lowTop: a.hiZeros - a.loZeros - 1,
    low: a.hiZeros > a.loZeros ? bits(a.lo, a.loZeros, a.hiZeros - 1) : "",
  }));
  const root = names[tree.root]!;
  return {
    suffix,
    label,
    multiplier: rq.multiplier,
    shift: rq.shift,
    roundConst: rq.roundConst,
    outBits: rq.outBits,
    productBits: pw,
    addName,
    acc,
    accBits,
    accName: a,
    accUnused: usedAccBits < accBits,
    accUnusedRange: `${accBits - 1}:${usedAccBits}`,
    operands,
    nodes,
    product: tree.rootZeros > 0 ? `{ ${root}, ${tree.rootZeros}'d0 }` : root,
    signBit: pw - 1,
    ovfLow: rq.shift + rq.outBits,
    maxOut: 2 ** rq.outBits - 1,
    lowUnused: rq.shift > 0,
    lowTop: rq.shift - 1,
  };
}
