/**
 * The dataflow architecture's analytic cost model: Xilinx 7-series LUT/FF and iCE40 LUT4/DFF
 * estimates from structural features of the plan, and its block RAM from the memory rule of
 * cost/memory.ts. The folding solver budgets in Xilinx LUTs.
 * Features (all counted in bits of the generated RTL):
 *   lanes     sum of PE * SIMD * lane width * (weight bits - 1): the ones'-complement lanes with their
 *             pair adders (level 1 of the tree); an M-level lane adds weight bits - 2 shifted copies
 *   tree      sum of PE * adder bits above level 1 the two-input adder modules of the SIMD trees
 *   acc       sum of PE * accumulator bits        accumulator adders (restarted each fold)
 *   drain     sum of outWidth * acc bits * ([1 if the bias is added in the drain] + ceil(beats / 4)
 *             if the drain has several beats): bias adders and the drain's word select (a mux)
 *   requant   sum of outWidth * adder bits of the requantizer's CSD tree (requant.ts)
 *   select    buffer-word chunk selection and collect registers (mux and hold bits)
 *   romLogic  bits of ROMs and RAMs the Xilinx memory rule leaves to LUTs, / 64 (Xilinx model)
 *   romLogicIce40  the same under the iCE40 rule, which puts more of them in EBR (iCE40 model)
 *   control   one per unit (counters, credits, flags; output unit with argmax)
 * Coefficients: non-negative least squares on the Yosys synth_xilinx and synth_ice40 results of the
 * calibration sets (bench/dataflow-cost.ts, test/fixtures/yosys/dataflow-calibration[-ice40].json).
 */
import { unsignedBits } from "../../ir/analyze.js";
import { ICE40_MEMORY, mapMemory, XILINX_MEMORY, XILINX_RAMB18, XILINX_RAMB36, XILINX_LUTRAM_SDP, type MemoryTarget } from "../../cost/memory.js";
import { fitNonNegativeOver } from "../../cost/fit.js";
import { TritforgeError } from "../../util/errors.js";
import { requantAdderBits } from "./requant.js";
import type { DfLayerPlan, DfPlan } from "./plan.js";

export const DF_FEATURES = ["lanes", "tree", "acc", "drain", "requant", "select", "romLogic", "romLogicIce40", "control"] as const;
export type DfFeature = (typeof DF_FEATURES)[number];
export type DfFeatureVector = Record<DfFeature, number>;
/** The two targets the model is calibrated on. */
export type DfTarget = "xilinx" | "ice40";

export interface DfMemoryLike {
  kind: "rom" | "ram";
  depth: number;
  width: number;
  style?: "block" | "distributed";
}

const zero = (): DfFeatureVector => ({ lanes: 0, tree: 0, acc: 0, drain: 0, requant: 0, select: 0, romLogic: 0, romLogicIce40: 0, control: 0 });

/** Features of one MVU with its input buffer (the solver prices layers one at a time). */
export function layerFeatures(l: Pick<DfLayerPlan, "pe" | "simd" | "tree" | "weightBits" | "accBits" | "drainBeats" | "outWidth" | "requant" | "inBits" | "nf" | "sf" | "weightRomWidth" | "weightRomStyle" | "biasAt" | "biasRomDepth" | "biasRomWidth" | "window"> & {
  buffer: { chunks: number; collectBeats: number; producerWidth: number; valueBits: number; width: number; depth: number; copies: number };
}): DfFeatureVector {
  const f = zero();
  f.lanes = l.pe * l.simd * l.tree[0]!.width * (l.weightBits - 1);
  f.tree = l.pe * l.tree.slice(2).reduce((s, t) => s + t.count * t.width, 0);
  f.acc = l.pe * l.accBits;
  f.drain = l.outWidth * l.accBits * ((l.biasAt === "drain" ? 1 : 0) + (l.drainBeats > 1 ? Math.ceil(l.drainBeats / 4) : 0));
  f.requant = l.requant ? l.outWidth * requantAdderBits(l.requant) : 0;
  const b = l.buffer;
  f.select = (b.chunks > 1 ? l.simd * l.inBits * b.chunks : 0) + (b.collectBeats - 1) * b.producerWidth * b.valueBits;
  for (const m of [
    { kind: "rom" as const, depth: l.nf * l.sf, width: l.weightRomWidth, copies: l.pe, style: l.weightRomStyle },
    { kind: "rom" as const, depth: l.biasRomDepth, width: l.biasRomWidth, copies: 1 },
    { kind: "ram" as const, depth: b.depth, width: b.width, copies: b.copies },
  ]) {
    f.romLogic += m.copies * logicBits(m, XILINX_MEMORY);
    f.romLogicIce40 += m.copies * logicBits(m, ICE40_MEMORY);
  }
  f.control = 1;
  // A conv layer (not in the calibration set): the padding masks of its buffer copies count as
  // selection, the running maxima of pooling as accumulator bits, the window generator as a unit.
  if (l.window) {
    f.select += b.copies * b.width;
    if (l.window.poolSize > 1) f.acc += l.pe * l.accBits;
    f.control += 1;
  }
  return f;
}

/** Bits of a memory that synthesis leaves to LUTs (ROM logic or flip-flop RAM), per a target's memory rule, / 64. */
function logicBits(m: DfMemoryLike, target: MemoryTarget): number {
  if (m.depth <= 1) return 0;
  const map = mapMemory({ name: "m", kind: m.kind, depth: m.depth, width: m.width, bits: m.depth * m.width, role: "weights", ...(m.style === "block" ? { style: "block" as const } : {}) }, target);
  return map.block === null ? (m.depth * m.width) / 64 : 0;
}

export function planFeatures(plan: DfPlan): DfFeatureVector {
  const f = zero();
  for (const l of plan.layers) {
    const lf = layerFeatures(l);
    for (const k of DF_FEATURES) f[k] += lf[k];
  }
  const ob = plan.output.buffer;
  f.select += ob.width + plan.output.logitBits * unsignedBits(ob.wordValues);
  f.control += 1;
  return f;
}

export interface DfCoefficients {
  lut: DfFeatureVector;
  ff: DfFeatureVector;
}

/**
 * Fitted by `npx tsx bench/dataflow-cost.ts --fit` on test/fixtures/yosys/dataflow-calibration.json
 * (21 designs of the pipelined MVU RTL with PE trees as modules: MNIST 784-32-10 at intervals 3136,
 * 1568, 784, 392 and 196; random nets 64-32-10 with M = 3, 7, 15, 96-48-10 (M = 5), 128-64-64-10,
 * 200-48-24-10 (M = 7), 144-80-10, 300-64-32-10, 100-40-10 (M = 15), 256-32-32-10 (M = 5),
 * 160-96-10 (M = 7); the default network at interval 3136 in three foldings, 256 and 196: 635 to
 * 32,512 LUT). Every design within 4.7%; leave-one-out LUT error mean 3.7%, worst 10.7%; three
 * held-out designs (dataflow-heldout.json) within 3.9%. Flip-flops count lane bits too (the lanes'
 * operand registers).
 */
export const DF_COEFFICIENTS: DfCoefficients = {
  lut: { lanes: 1.414, tree: 0.2476, acc: 0.6287, drain: 0, requant: 1.379, select: 0.3294, romLogic: 1.22, romLogicIce40: 0, control: 74.14 },
  ff: { lanes: 0.1319, tree: 0, acc: 3.445, drain: 0, requant: 0, select: 3.259, romLogic: 0, romLogicIce40: 0, control: 55.21 },
};

/**
 * iCE40 (synth_ice40) LUT4 and DFF coefficients, fitted the same way (`--fit --target ice40`) on the
 * 19 designs of that set an iCE40 family part could hold (all but the two largest), with the ROM and
 * RAM bits the iCE40 memory rule leaves to logic: every design within 10.4%, leave-one-out mean 5.8%,
 * worst 13.3%; held-out designs (dataflow-heldout-ice40.json) within 6.7%. Block RAM is the memory
 * rule's, equal to Yosys's EBR count on all 22 designs.
 */
export const DF_COEFFICIENTS_ICE40: DfCoefficients = {
  lut: { lanes: 1.436, tree: 0.1668, acc: 4.751, drain: 0, requant: 2.881, select: 3.096, romLogic: 0, romLogicIce40: 2.829, control: 0 },
  ff: { lanes: 0.103, tree: 0, acc: 3.172, drain: 0.06238, requant: 0, select: 4.454, romLogic: 0, romLogicIce40: 0, control: 82.93 },
};

export const DF_FF_FEATURES: readonly DfFeature[] = ["lanes", "acc", "drain", "select", "control"];
/** LUT features per target: each prices the LUT memory its own memory rule leaves. */
export const DF_LUT_FEATURES: Record<DfTarget, readonly DfFeature[]> = {
  xilinx: DF_FEATURES.filter((k) => k !== "romLogicIce40"),
  ice40: DF_FEATURES.filter((k) => k !== "romLogic"),
};

export const predictDf = (f: DfFeatureVector, c: DfFeatureVector): number => DF_FEATURES.reduce((s, k) => s + f[k] * c[k], 0);

export interface DfEstimate {
  lut: number;
  ff: number;
  ramb36: number;
  ramb18: number;
  /** RAMB36 + RAMB18 / 2. */
  bram36: number;
  lutramLuts: number;
}

/** Block RAM of a list of memories under the Xilinx memory rule. */
export function blockRams(mems: DfMemoryLike[]): Pick<DfEstimate, "ramb36" | "ramb18" | "bram36" | "lutramLuts"> {
  let ramb36 = 0;
  let ramb18 = 0;
  let lutram = 0;
  for (const m of mems) {
    const map = mapMemory({ name: "m", kind: m.kind, depth: m.depth, width: m.width, bits: m.depth * m.width, role: "weights", ...(m.style === "block" ? { style: "block" as const } : {}) }, XILINX_MEMORY);
    if (map.block === XILINX_RAMB36.name) ramb36 += map.blocks;
    else if (map.block === XILINX_RAMB18.name) ramb18 += map.blocks;
    else if (map.block === XILINX_LUTRAM_SDP.name) lutram += 4 * map.blocks;
  }
  return { ramb36, ramb18, bram36: ramb36 + ramb18 / 2, lutramLuts: lutram };
}

export function fitDfCoefficients(rows: DfFeatureVector[], luts: number[], ffs: number[], target: DfTarget = "xilinx"): DfCoefficients {
  return { lut: fitNonNegativeOver(DF_FEATURES, rows, luts, DF_LUT_FEATURES[target]), ff: fitNonNegativeOver(DF_FEATURES, rows, ffs, DF_FF_FEATURES) };
}

/** LUT, FF (analytic) and block RAM (memory rule) of a plan. */
export function estimatePlan(plan: DfPlan, c: DfCoefficients = DF_COEFFICIENTS): DfEstimate {
  const f = planFeatures(plan);
  const mems: DfMemoryLike[] = [];
  for (const l of plan.layers) {
    for (let c = 0; c < l.buffer.copies; c++) mems.push({ kind: "ram", depth: l.buffer.depth, width: l.buffer.width, style: l.buffer.style });
    for (let p = 0; p < l.pe; p++) mems.push({ kind: "rom", depth: l.weightRomDepth, width: l.weightRomWidth, style: l.weightRomStyle });
    mems.push({ kind: "rom", depth: l.biasRomDepth, width: l.biasRomWidth });
  }
  return { lut: Math.round(predictDf(f, c.lut)), ff: Math.round(predictDf(f, c.ff)), ...blockRams(mems) };
}

/** The analytic estimate of a dataflow bundle from its manifest features, on both targets. */
export function dataflowAnalytic(
  features: Record<string, number>,
  name: string,
  c: DfCoefficients = DF_COEFFICIENTS,
  ci: DfCoefficients = DF_COEFFICIENTS_ICE40,
): { ice40: { lut4: number; dff: number }; xilinx: { lut: number; ff: number } } {
  const f = Object.fromEntries(
    DF_FEATURES.map((k) => {
      const v = features[k];
      if (v === undefined) throw new TritforgeError(`${name}: manifest features.${k} is missing`);
      return [k, v];
    }),
  ) as DfFeatureVector;
  return {
    ice40: { lut4: Math.round(predictDf(f, ci.lut)), dff: Math.round(predictDf(f, ci.ff)) },
    xilinx: { lut: Math.round(predictDf(f, c.lut)), ff: Math.round(predictDf(f, c.ff)) },
  };
}
