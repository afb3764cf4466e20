/** The stored calibration set: Yosys cell counts of seeded random designs (see bench/cost.ts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../hw/bundle/manifest.js";
import type { CalibrationPoint } from "./analytic.js";
import { ice40Cells, xilinxCells, type SynthTarget } from "./stats.js";
import { REPO_ROOT } from "./yosys.js";

export const CALIBRATION_FILE = "test/fixtures/yosys/calibration.json";

export interface CalibrationDesign {
  name: string;
  sizes: number[];
  levels: number;
  lanes: number;
  /** The bundle's manifest (bundle contract v2). */
  manifest: Manifest;
  yosys: Partial<Record<SynthTarget, { cells: number; byType: Record<string, number>; seconds: number }>>;
}

export interface CalibrationSet {
  tool: string;
  generated: string;
  designs: CalibrationDesign[];
}

export function loadCalibration(file = join(REPO_ROOT, CALIBRATION_FILE)): CalibrationSet {
  return JSON.parse(readFileSync(file, "utf8")) as CalibrationSet;
}

/** The designs with both iCE40 and Xilinx results, as points for the analytic model. */
export function calibrationPoints(set: CalibrationSet): CalibrationPoint[] {
  return set.designs.flatMap((d) => {
    const i = d.yosys.ice40;
    const x = d.yosys.xilinx;
    if (!i || !x) return [];
    const ice = ice40Cells({ creator: "", cells: i.cells, byType: i.byType });
    const xil = xilinxCells({ creator: "", cells: x.cells, byType: x.byType });
    return [{ name: d.name, manifest: d.manifest, actual: { ice40: { lut: ice.lut4, ff: ice.dff }, xilinx: { lut: xil.lut, ff: xil.ff } } }];
  });
}
