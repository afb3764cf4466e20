/** iCE40 parts the flow places and routes on, with the resources that decide whether a design fits. */
import type { Ice40Cells } from "./stats.js";

export type Ice40PartName = "up5k" | "hx8k";

export interface Ice40Part {
  name: Ice40PartName;
  label: string;
  /** nextpnr-ice40 device flag and package. */
  deviceFlag: string;
  packageName: string;
  logicCells: number;
  ebr: number;
  dsp: number;
  /** SB_SPRAM256KA blocks (256 kbit each). */
  spram: number;
  /** User IO pins of the package. */
  io: number;
}

export const ICE40_PARTS: Record<Ice40PartName, Ice40Part> = {
  up5k: { name: "up5k", label: "iCE40UP5K", deviceFlag: "--up5k", packageName: "sg48", logicCells: 5280, ebr: 30, dsp: 8, spram: 4, io: 39 },
  hx8k: { name: "hx8k", label: "iCE40HX8K", deviceFlag: "--hx8k", packageName: "ct256", logicCells: 7680, ebr: 32, dsp: 0, spram: 0, io: 206 },
};

/**
 * Reasons a synthesised design cannot fit the part, e.g. "needs 67 EBR, iCE40UP5K has 30", or an
 * empty list. Logic cells are estimated as max(LUT4, DFF): a cell holds one LUT4, one DFF and one
 * carry, so this is a lower bound; place and route has the last word.
 */
export function ice40FitProblems(cells: Ice40Cells, ioPins: number, part: Ice40Part): string[] {
  const problems: string[] = [];
  const lc = Math.max(cells.lut4, cells.dff);
  if (cells.ebr > part.ebr) problems.push(`needs ${cells.ebr} EBR, ${part.label} has ${part.ebr}`);
  if (lc > part.logicCells) problems.push(`needs at least ${lc} logic cells, ${part.label} has ${part.logicCells}`);
  if (cells.dsp > part.dsp) problems.push(`needs ${cells.dsp} DSP, ${part.label} has ${part.dsp}`);
  if (cells.spram > part.spram) problems.push(`needs ${cells.spram} SPRAM, ${part.label} has ${part.spram}`);
  if (ioPins > part.io) problems.push(`needs ${ioPins} IO pins, ${part.label} (${part.packageName}) has ${part.io}`);
  return problems;
}
