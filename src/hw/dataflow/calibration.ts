/**
 * The dataflow cost model's calibration set (Yosys synth_xilinx results of generated designs,
 * written by bench/dataflow-cost.ts) and its leave-one-out error.
 */
import { fitNonNegativeOver } from "../../cost/fit.js";
import { DF_FEATURES, predictDf, type DfFeatureVector } from "./features.js";

export const CALIBRATION_FILE = "test/fixtures/yosys/dataflow-calibration.json";

export interface DfCalibrationPoint {
  name: string;
  params: Record<string, unknown>;
  features: DfFeatureVector;
  lut: number;
  ff: number;
  ramb36: number;
  ramb18: number;
  lutramLuts: number;
  interval: number;
  seconds: number;
}

/** Leave-one-out relative errors of LUT predictions. */
export function looErrors(points: DfCalibrationPoint[]): Array<{ name: string; actual: number; predicted: number; error: number }> {
  return points.map((p, i) => {
    const rest = points.filter((_, j) => j !== i);
    const w = fitNonNegativeOver(DF_FEATURES, rest.map((r) => r.features), rest.map((r) => r.lut));
    const predicted = predictDf(p.features, w);
    return { name: p.name, actual: p.lut, predicted, error: predicted / p.lut - 1 };
  });
}

