/**
 * The mac-array's ROM images. Word w of a layer's weight ROM holds, for group g = floor(w / N_in)
 * and input j = w mod N_in, the weights of outputs g*P .. g*P+P-1 for input j: lane k in bits
 * [k*b, k*b+b) (common/rom.ts packing). Outputs past N_out (the last group's idle lanes) hold 0.
 * Bias ROMs: in dense designs word o holds the bias of output o (the drain adds it); with the window
 * walk word g holds the biases of group g the same way as the weights.
 */
import { packWord } from "../common/rom.js";
import type { LayerPlan } from "./plan.js";

function groupLanes(lanes: number, g: number, nOut: number, value: (o: number) => number): number[] {
  return Array.from({ length: lanes }, (_, k) => {
    const o = g * lanes + k;
    return o < nOut ? value(o) : 0;
  });
}

export function weightRomLines(l: LayerPlan, lanes: number): string[] {
  const lines: string[] = [];
  const w = l.stage.weights;
  for (let g = 0; g < l.groups; g++)
    for (let j = 0; j < l.nIn; j++) lines.push(packWord(groupLanes(lanes, g, l.nOut, (o) => w[o * l.nIn + j]!), l.weightBits));
  return lines;
}

/** Dense designs (`perOutput`): word o is the bias of output o; window walk: word g the biases of group g like the weights. */
export function biasRomLines(l: LayerPlan, lanes: number, perOutput: boolean): string[] {
  if (perOutput) return Array.from({ length: l.nOut }, (_, o) => packWord([(l.drainBias ?? l.stage.bias)[o]!], l.biasBits));
  return Array.from({ length: l.groups }, (_, g) => packWord(groupLanes(lanes, g, l.nOut, (o) => l.stage.bias[o]!), l.biasBits));
}

