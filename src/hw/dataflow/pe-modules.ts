/**
 * The PE adder-tree modules of a dataflow design, one Verilog file each: per layer a lane-pair
 * module (two SIMD lanes and their adder: level 1 of every PE's tree) when SIMD >= 2 and a lone-lane
 * module when SIMD is odd, and one two-input adder module (every higher tree node) when some layer
 * has SIMD >= 3 or a requantizer (requant.ts sums its CSD terms with it). Separate modules keep each
 * tree node on its own carry chain: synthesised as one module, the whole tree would be merged into a
 * multi-operand sum of carry-save full adders, about twice the LUTs (docs/dataflow.md, "PE structure").
 */
import type { DfLayerPlan, DfPlan } from "./plan.js";

export type PeModuleKind = "pair" | "lane" | "add";

export interface PeModule {
  kind: PeModuleKind;
  name: string;
  /** The layer whose lanes it holds (null for the shared adder). */
  layer: number | null;
}

export const pairModuleName = (plan: Pick<DfPlan, "top">, l: Pick<DfLayerPlan, "index">): string => `${plan.top}_l${l.index}_pair`;
export const laneModuleName = (plan: Pick<DfPlan, "top">, l: Pick<DfLayerPlan, "index">): string => `${plan.top}_l${l.index}_lane`;
export const addModuleName = (plan: Pick<DfPlan, "top">): string => `${plan.top}_add`;

export function peModules(plan: Pick<DfPlan, "top" | "layers">): PeModule[] {
  const out: PeModule[] = [];
  for (const l of plan.layers) {
    if (l.simd >= 2) out.push({ kind: "pair", name: pairModuleName(plan, l), layer: l.index });
    if (l.simd % 2 === 1) out.push({ kind: "lane", name: laneModuleName(plan, l), layer: l.index });
  }
  if (plan.layers.some((l) => l.simd >= 3 || l.requant !== null)) out.push({ kind: "add", name: addModuleName(plan), layer: null });
  return out;
}

export const rtlFiles = (plan: Pick<DfPlan, "top" | "layers">): string[] => [`rtl/${plan.top}.v`, ...peModules(plan).map((m) => `rtl/${m.name}.v`)];
