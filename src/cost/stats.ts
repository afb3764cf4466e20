/**
 * Parses Yosys `stat -json` output into per-target cell summaries. Only the JSON statistics are
 * read, never Yosys's free-text log.
 */
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";

export type SynthTarget = "generic" | "ice40" | "xilinx";
export const SYNTH_TARGETS: readonly SynthTarget[] = ["generic", "ice40", "xilinx"];

const statBlock = z.looseObject({
  num_cells: z.number().int().nonnegative(),
  num_cells_by_type: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
const statSchema = z.looseObject({
  creator: z.string().optional(),
  modules: z.record(z.string(), statBlock).optional(),
  design: statBlock.optional(),
});

export interface CellStats {
  /** Yosys version line ("Yosys 0.55 ..."). */
  creator: string;
  cells: number;
  byType: Record<string, number>;
}

/** Parses the text of a `stat -json` report; uses the whole-design block (or the only module). */
export function parseStatJson(text: string, where = "yosys stat -json output"): CellStats {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TritforgeError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  const r = statSchema.safeParse(value);
  if (!r.success) throw new TritforgeError(`${where} is not a Yosys statistics report: ${r.error.issues[0]!.message}`);
  const mods = Object.values(r.data.modules ?? {});
  const block = r.data.design ?? (mods.length === 1 ? mods[0] : undefined);
  if (!block) throw new TritforgeError(`${where} has no "design" block and ${mods.length} modules: run stat -json on a flattened design with -top`);
  return { creator: r.data.creator ?? "unknown", cells: block.num_cells, byType: { ...(block.num_cells_by_type ?? {}) } };
}

const sumWhere = (byType: Record<string, number>, test: (t: string) => boolean) =>
  Object.entries(byType).reduce((s, [t, n]) => (test(t) ? s + n : s), 0);

export interface GenericCells {
  cells: number;
  /** Flip-flops: every $_*DFF*_ / $_DLATCH*_ fine cell. */
  ff: number;
  /** Two-input-or-less gates and muxes: everything else. */
  logic: number;
  mux: number;
}

export interface Ice40Cells {
  cells: number;
  lut4: number;
  /** SB_DFF* of every flavour. */
  dff: number;
  carry: number;
  ebr: number;
  /** SB_MAC16 (iCE40 UltraPlus DSP); must stay 0 for ternary designs. */
  dsp: number;
  spram: number;
}

export interface XilinxCells {
  cells: number;
  /** LUT1..LUT6 (not counting LUTs inside distributed RAM). */
  lut: number;
  ff: number;
  carry4: number;
  muxf: number;
  ramb18: number;
  ramb36: number;
  /** Distributed RAM primitives (RAM32M, RAM64M, RAM32X1D, ...). */
  lutram: number;
  /** LUTs used as distributed RAM (RAM32M/RAM64M = 4 LUTs, RAMxX1D = 2, RAMxX1S = 1). */
  lutramLuts: number;
  /** DSP48E1: must be 0 for ternary designs (no multipliers). */
  dsp: number;
}

export function genericCells(s: CellStats): GenericCells {
  const ff = sumWhere(s.byType, (t) => /^\$_.*(DFF|DLATCH|SR_)/.test(t));
  const mux = sumWhere(s.byType, (t) => /^\$_N?MUX/.test(t));
  return { cells: s.cells, ff, mux, logic: s.cells - ff };
}

export function ice40Cells(s: CellStats): Ice40Cells {
  return {
    cells: s.cells,
    lut4: s.byType["SB_LUT4"] ?? 0,
    dff: sumWhere(s.byType, (t) => t.startsWith("SB_DFF")),
    carry: s.byType["SB_CARRY"] ?? 0,
    ebr: sumWhere(s.byType, (t) => t.startsWith("SB_RAM40_4K")),
    dsp: s.byType["SB_MAC16"] ?? 0,
    spram: s.byType["SB_SPRAM256KA"] ?? 0,
  };
}

const LUTRAM_LUTS: Array<[RegExp, number]> = [
  [/^RAM(32|64)M(16)?$/, 4],
  [/^RAM(32|64|128|256)X1D$/, 2],
  [/^RAM(32|64|128|256)X1S$/, 1],
];

export function xilinxCells(s: CellStats): XilinxCells {
  let lutram = 0;
  let lutramLuts = 0;
  for (const [t, n] of Object.entries(s.byType))
    for (const [re, luts] of LUTRAM_LUTS)
      if (re.test(t)) {
        lutram += n;
        lutramLuts += n * luts;
      }
  return {
    cells: s.cells,
    lut: sumWhere(s.byType, (t) => /^LUT[1-6]$/.test(t)),
    ff: sumWhere(s.byType, (t) => /^FD[CPRS]E?(_1)?$/.test(t)),
    carry4: s.byType["CARRY4"] ?? 0,
    muxf: sumWhere(s.byType, (t) => /^MUXF[78]$/.test(t)),
    ramb18: s.byType["RAMB18E1"] ?? 0,
    ramb36: s.byType["RAMB36E1"] ?? 0,
    lutram,
    lutramLuts,
    dsp: sumWhere(s.byType, (t) => t.startsWith("DSP48")),
  };
}
