/**
 * The mac-array's ROM images (common/rom.ts packing: lane 0 least significant, b bits each).
 * Weight ROM, lanes over "channels" (lane-order.ts): word w holds, for group g = floor(w / N_in)
 * and input j = w mod N_in, the weights of channels g*P .. g*P+P-1 for input j (channels past
 * C_out, the last group's idle lanes, hold 0). Lanes over "outputs" (convolutions only): word j
 * holds the weights of all C_out channels for input j (channel c in slot c); the lanes take it
 * rotated by the group's phase.
 * Bias ROM: word o is the bias of output channel o, added by the drain (dense designs: the drain's
 * bias, corrected for the lanes' negative-weight offset; with the window walk: the plain bias).
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
  const slots = l.laneOrder === "outputs" ? l.nOut : lanes;
  for (let g = 0; g < l.groups; g++)
    for (let j = 0; j < l.nIn; j++) lines.push(packWord(groupLanes(slots, g, l.nOut, (o) => w[o * l.nIn + j]!), l.weightBits));
  return lines;
}

export function biasRomLines(l: LayerPlan): string[] {
  return Array.from({ length: l.nOut }, (_, o) => packWord([(l.drainBias ?? l.stage.bias)[o]!], l.biasBits));
}
