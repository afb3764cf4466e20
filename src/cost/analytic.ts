/**
 * The analytic cost model: LUT and flip-flop estimates for iCE40 and Xilinx 7-series from a
 * bundle's manifest alone, so design sweeps can price thousands of points without synthesising.
 *
 * Each estimate is a linear combination of a few structural features of the generated RTL. The
 * architecture computes its structural features from its plan and records them in the manifest
 * (`features`; mac-array: lane, laneTerm, shiftAdd, weightMux, drainBias, requantAdd, requantReg,
 * requantGate, control, and with convolutions walk, walkLane, pool; see src/hw/mac-array/features.ts); the
 * memory features come from the manifest's memories and the target's block-RAM rule (memory.ts):
 *   romRegs   output-register bits of ROMs left to logic (block RAM absorbs its register; a
 *             one-word ROM is a constant)
 *   romLogic  bits of ROM left to soft logic, divided by the bits a LUT holds (16 on iCE40, 64 on
 *             Xilinx)
 *   memMux    read-mux bits joining block-RAM banks
 * The coefficients are least-squares fits to Yosys on the calibration set (bench/cost.ts,
 * test/fixtures/yosys/calibration.json); `fitCoefficients` refits them. They are calibrated for
 * the mac-array; another architecture needs its own calibration before it can be priced.
 */
import type { Manifest } from "../hw/bundle/manifest.js";
import { TritforgeError } from "../util/errors.js";
import { dataflowAnalytic } from "../hw/dataflow/features.js";
import { fitNonNegativeOver } from "./fit.js";
import { bundleMemories, ICE40_MEMORY, mapMemory, XILINX_MEMORY, type MemoryTarget } from "./memory.js";

export const FEATURES = ["lane", "laneTerm", "shiftAdd", "weightMux", "drainBias", "requantAdd", "requantReg", "requantGate", "romRegs", "romLogic", "memMux", "control", "walk", "walkLane", "pool"] as const;
export type Feature = (typeof FEATURES)[number];
export type FeatureVector = Record<Feature, number>;

export type ModelTarget = "ice40" | "xilinx";
export type ModelQuantity = "lut" | "ff";

type ManifestLike = Manifest;

/** Architectures the coefficients below are calibrated for. */
export const CALIBRATED_ARCHITECTURES = ["mac-array", "dataflow"];

const memTarget = (t: ModelTarget): MemoryTarget => (t === "ice40" ? ICE40_MEMORY : XILINX_MEMORY);
const LUT_BITS: Record<ModelTarget, number> = { ice40: 16, xilinx: 64 };

const STRUCTURAL: readonly Feature[] = ["lane", "shiftAdd", "weightMux", "drainBias", "requantAdd", "requantReg", "control"];
/**
 * Structural features only some designs have (mac-array: the term-wide lane operand of dense
 * designs and the gates of a shared requantizer; the window walk, its add-or-subtract lanes and
 * pooling of designs with convolutions); absent means 0.
 */
const OPTIONAL: readonly Feature[] = ["laneTerm", "requantGate", "walk", "walkLane", "pool"];

/** Structural features of a design for one target. */
export function features(m: ManifestLike, target: ModelTarget): FeatureVector {
  if (!CALIBRATED_ARCHITECTURES.includes(m.arch.id)) throw new TritforgeError(`the analytic cost model has no calibration for architecture "${m.arch.id}"`);
  const structural = Object.fromEntries(
    STRUCTURAL.map((k) => {
      const v = m.features[k];
      if (v === undefined) throw new TritforgeError(`${m.name}: manifest features.${k} is missing`);
      return [k, v];
    }),
  ) as Record<(typeof STRUCTURAL)[number], number>;
  const mt = memTarget(target);
  let romLogic = 0;
  let romRegs = 0;
  let memMux = 0;
  for (const mem of bundleMemories(m)) {
    const map = mapMemory(mem, mt);
    // A one-word ROM is a constant: no logic.
    if (map.block === null && mem.kind === "rom" && mem.depth > 1) {
      romLogic += mem.bits / LUT_BITS[target];
      romRegs += mem.width;
    }
    memMux += map.muxBits;
  }
  const optional = Object.fromEntries(OPTIONAL.map((k) => [k, m.features[k] ?? 0]));
  const all = { ...structural, ...optional, romRegs, romLogic, memMux } as Record<Feature, number>;
  return Object.fromEntries(FEATURES.map((k) => [k, all[k]])) as FeatureVector;
}

/**
 * Features each quantity may use. Flip-flops come only from registers (lanes and drain,
 * requantizer stages, ROM output registers, control, walk, pooling); letting them use mux or
 * logic features would fit noise. A requantizer register shares its logic cell with the adder bit
 * that feeds it: LUTs count the requantizer's adders only.
 */
export const QUANTITY_FEATURES: Record<ModelQuantity, readonly Feature[]> = {
  lut: FEATURES.filter((f) => f !== "requantReg"),
  ff: ["lane", "requantReg", "romRegs", "control", "walk", "pool"],
};

export type Coefficients = Record<ModelTarget, Record<ModelQuantity, FeatureVector>>;

/** Fitted on test/fixtures/yosys/calibration.json (25 designs, 5 of them CNNs) by `npx tsx bench/cost.ts --fit`. */
export const COEFFICIENTS: Coefficients = {
  ice40: {
    lut: { lane: 2.202, laneTerm: 0, shiftAdd: 1.807, weightMux: 0.7208, drainBias: 3.692, requantAdd: 0.3567, requantReg: 0, requantGate: 0.3991, romRegs: 0, romLogic: 2.981, memMux: 1.046, control: 153.9, walk: 1.956, walkLane: 4.456, pool: 1.475 },
    ff: { lane: 2.274, laneTerm: 0, shiftAdd: 0, weightMux: 0, drainBias: 0, requantAdd: 0, requantReg: 1.163, requantGate: 0, romRegs: 0, romLogic: 0, memMux: 0, control: 234.4, walk: 0, walkLane: 0, pool: 0.7994 },
  },
  xilinx: {
    lut: { lane: 0.1036, laneTerm: 2.262, shiftAdd: 1.338, weightMux: 1.474, drainBias: 3.516, requantAdd: 0.3317, requantReg: 0, requantGate: 0.3061, romRegs: 0, romLogic: 0.601, memMux: 0.6817, control: 108, walk: 1.505, walkLane: 2.146, pool: 3.139 },
    ff: { lane: 2.24, laneTerm: 0, shiftAdd: 0, weightMux: 0, drainBias: 0, requantAdd: 0, requantReg: 0.8649, requantGate: 0, romRegs: 1.707, romLogic: 0, memMux: 0, control: 198.3, walk: 0, walkLane: 0, pool: 0.8617 },
  },
};

export function predict(f: FeatureVector, c: FeatureVector): number {
  return FEATURES.reduce((s, k) => s + f[k] * c[k], 0);
}

export interface AnalyticEstimate {
  /** Null for an architecture without an iCE40 calibration (today every architecture has one). */
  ice40: { lut4: number; dff: number } | null;
  xilinx: { lut: number; ff: number };
}

/** LUT and FF estimates of a design on both targets (rounded to whole cells). */
export function analyticEstimate(m: ManifestLike, c: Coefficients = COEFFICIENTS): AnalyticEstimate {
  if (m.arch.id === "dataflow") return dataflowAnalytic(m.features, m.name);
  const fi = features(m, "ice40");
  const fx = features(m, "xilinx");
  return {
    ice40: { lut4: Math.round(predict(fi, c.ice40.lut)), dff: Math.round(predict(fi, c.ice40.ff)) },
    xilinx: { lut: Math.round(predict(fx, c.xilinx.lut)), ff: Math.round(predict(fx, c.xilinx.ff)) },
  };
}

/**
 * Non-negative least squares on relative error (each row divided by its target value, so small
 * and large designs weigh alike), by projected coordinate descent. Features that never vary in
 * the data get coefficient 0.
 */
export function fitNonNegative(rows: FeatureVector[], targets: number[], use: readonly Feature[] = FEATURES, iterations = 20000): FeatureVector {
  return fitNonNegativeOver(FEATURES, rows, targets, use, iterations);
}

export interface CalibrationPoint {
  name: string;
  manifest: ManifestLike;
  actual: Record<ModelTarget, Record<ModelQuantity, number>>;
}

export function fitCoefficients(points: CalibrationPoint[]): Coefficients {
  const fit = (t: ModelTarget, q: ModelQuantity) =>
    fitNonNegative(
      points.map((p) => features(p.manifest, t)),
      points.map((p) => p.actual[t][q]),
      QUANTITY_FEATURES[q],
    );
  return { ice40: { lut: fit("ice40", "lut"), ff: fit("ice40", "ff") }, xilinx: { lut: fit("xilinx", "lut"), ff: fit("xilinx", "ff") } };
}

/** Relative error (predicted / actual - 1) of every point for one target and quantity. */
export function relativeErrors(points: CalibrationPoint[], c: Coefficients, t: ModelTarget, q: ModelQuantity): Array<{ name: string; actual: number; predicted: number; error: number }> {
  return points.map((p) => {
    const predicted = predict(features(p.manifest, t), c[t][q]);
    const actual = p.actual[t][q];
    return { name: p.name, actual, predicted, error: predicted / actual - 1 };
  });
}

/** Leave-one-out errors: each point predicted by coefficients fitted on all the others. */
export function leaveOneOutErrors(points: CalibrationPoint[], t: ModelTarget, q: ModelQuantity): Array<{ name: string; actual: number; predicted: number; error: number }> {
  return points.map((p, i) => {
    const rest = points.filter((_, j) => j !== i);
    const c = fitNonNegative(
      rest.map((r) => features(r.manifest, t)),
      rest.map((r) => r.actual[t][q]),
      QUANTITY_FEATURES[q],
    );
    const predicted = predict(features(p.manifest, t), c);
    return { name: p.name, actual: p.actual[t][q], predicted, error: predicted / p.actual[t][q] - 1 };
  });
}
