/**
 * The dataflow cost model's calibration sets (Yosys synth_xilinx and synth_ice40 results of generated
 * designs, written by bench/dataflow-cost.ts) and their leave-one-out error.
 */
import { fitNonNegativeOver } from "../../cost/fit.js";
import { DF_FEATURES, DF_LUT_FEATURES, predictDf, type DfFeatureVector, type DfTarget } from "./features.js";

export type { DfTarget };

export const CALIBRATION_FILE = "test/fixtures/yosys/dataflow-calibration.json";
export const CALIBRATION_FILE_ICE40 = "test/fixtures/yosys/dataflow-calibration-ice40.json";

export const calibrationFile = (t: DfTarget): string => (t === "ice40" ? CALIBRATION_FILE_ICE40 : CALIBRATION_FILE);
/** Designs never fitted, synthesised the same way: the model's held-out error. */
export const heldoutFile = (t: DfTarget): string => `test/fixtures/yosys/dataflow-heldout${t === "ice40" ? "-ice40" : ""}.json`;

/** One synthesised design: `lut`/`ff` are LUT/FF on Xilinx, LUT4/DFF on iCE40. */
export interface DfCalibrationPoint {
  name: string;
  params: Record<string, unknown>;
  features: DfFeatureVector;
  lut: number;
  ff: number;
  /** Xilinx only. */
  ramb36?: number;
  ramb18?: number;
  lutramLuts?: number;
  /** iCE40 only. */
  ebr?: number;
  interval: number;
  seconds: number;
}

/** Leave-one-out relative errors of LUT predictions. */
export function looErrors(points: DfCalibrationPoint[], target: DfTarget = "xilinx"): Array<{ name: string; actual: number; predicted: number; error: number }> {
  return points.map((p, i) => {
    const rest = points.filter((_, j) => j !== i);
    const w = fitNonNegativeOver(DF_FEATURES, rest.map((r) => r.features), rest.map((r) => r.lut), DF_LUT_FEATURES[target]);
    const predicted = predictDf(p.features, w);
    return { name: p.name, actual: p.lut, predicted, error: predicted / p.lut - 1 };
  });
}

