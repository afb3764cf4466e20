/**
 * Calibration designs from committed bundles' estimate.json (the Yosys counts `gen-rtl --estimate`
 * measured, same flow as bench/cost.ts), without synthesising again. The bundle is regenerated in
 * memory from its network.json and parameters and taken only if every RTL and ROM file is
 * byte-identical to the bundle's (then the estimate is of the current RTL); the record carries the
 * regenerated manifest (current features). Cell counts are stored under one cell type per quantity.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CalibrationDesign } from "../src/cost/calibration.js";
import type { Estimate } from "../src/cost/estimate.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";
import { loadNetwork } from "../src/ir/io.js";
import { designFor } from "../src/hw/registry.js";
import { TritforgeError } from "../src/util/errors.js";

export function designFromEstimate(dir: string): CalibrationDesign {
  const committed = loadManifest(dir);
  const net = loadNetwork(join(dir, "network.json"));
  const design = designFor(net, committed.arch.id, committed.arch.params);
  for (const f of design.files)
    if ((f.path.startsWith("rtl/") || f.path.startsWith("mem/")) && readFileSync(join(dir, f.path), "utf8") !== f.content)
      throw new TritforgeError(`${dir}: ${f.path} differs from the generator's output: its estimate.json is not of the current RTL`);
  const e = JSON.parse(readFileSync(join(dir, "estimate.json"), "utf8")) as Estimate;
  const i = e.synthesis?.ice40;
  const x = e.synthesis?.xilinx;
  if (!i || "error" in i || !x || "error" in x) throw new TritforgeError(`${dir}: estimate.json has no iCE40 and Xilinx synthesis`);
  const m = design.manifest;
  const lanes = Number(m.arch.params.lanes);
  return {
    name: `${m.name}_p${lanes}`,
    sizes: [m.network.input.features, ...m.network.layers.map((l) => l.outFeatures)],
    levels: Math.max(...m.network.layers.map((l) => l.levels)),
    lanes,
    manifest: m,
    yosys: {
      ice40: { cells: i.cells, byType: { SB_LUT4: i.lut4, SB_DFF: i.dff, SB_CARRY: i.carry, SB_RAM40_4K: i.ebr }, seconds: i.seconds },
      xilinx: {
        cells: x.cells,
        byType: { LUT6: x.lut, FDRE: x.ff, CARRY4: x.carry4, RAMB36E1: x.ramb36, RAMB18E1: x.ramb18, RAM64X1S: x.lutramLuts },
        seconds: x.seconds,
      },
    },
  };
}
