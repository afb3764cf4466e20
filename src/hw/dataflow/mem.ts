/**
 * ROM images of the dataflow design, partitioned per PE. Word nf * SF + sf of PE p's weight ROM
 * holds the weights of output nf * PE + p for inputs sf * SIMD .. sf * SIMD + SIMD - 1, lane s in
 * bits [s*b, s*b+b) (b-bit two's complement; ternary 00 = 0, 01 = +1, 11 = -1). The bias ROM holds
 * the adjusted biases (plan.ts) of outputs in order, biasRomWidth / biasBits per word: per fold (word
 * nf: outputs nf * PE .. + PE - 1) or per drain beat (word nf * drainBeats + d: outputs
 * nf * PE + d * outWidth .. + outWidth - 1), as the layer's biasAt says.
 */
import { packWord } from "../common/rom.js";
import type { DfLayerPlan, DfPlan } from "./plan.js";

export function peWeightRomLines(l: DfLayerPlan, pe: number): string[] {
  const w = l.layer.weights;
  const lines: string[] = [];
  for (let nf = 0; nf < l.nf; nf++) {
    const o = nf * l.pe + pe;
    for (let sf = 0; sf < l.sf; sf++) {
      const base = o * l.nIn + sf * l.simd;
      lines.push(packWord(w.slice(base, base + l.simd), l.weightBits));
    }
  }
  return lines;
}

export function biasRomLines(l: DfLayerPlan): string[] {
  const per = l.biasRomWidth / l.biasBits;
  return Array.from({ length: l.biasRomDepth }, (_, b) => packWord(l.biasAdj.slice(b * per, (b + 1) * per), l.biasBits));
}

export const weightRomFile = (plan: DfPlan, l: DfLayerPlan, pe: number): string => `${plan.name.toLowerCase()}_l${l.index}_pe${pe}.mem`;
export const biasRomFile = (plan: DfPlan, l: DfLayerPlan): string => `${plan.name.toLowerCase()}_l${l.index}_bias.mem`;
