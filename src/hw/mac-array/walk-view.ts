/**
 * Per-layer constants of the lane-group phase logic of designs with convolutions (lane-order.ts):
 * pasted by the walk-* templates. Negative steps are written modulo 2^width (the walk's adders wrap).
 */
import type { LayerPlan, RtlPlan } from "./plan.js";

const modulo = (v: number, bits: number): number => ((v % 2 ** bits) + 2 ** bits) % 2 ** bits;

export function walkLaneView(plan: RtlPlan, l: LayerPlan) {
  const w = plan.walk!;
  const P = plan.lanes;
  const C = l.nOut;
  const wb = l.weightBits;
  const outputs = l.laneOrder === "outputs";
  const next = l.walk.next;
  return {
    lanes: {
      pairs: outputs,
      grpMin: Math.max(0, C - P),
      phStep: P,
      phBack: outputs ? C - P : 0,
      carry: outputs ? 1 : 0,
      blkStep: outputs ? 0 : l.nIn,
      shStep: outputs ? P * wb : 0,
      shBack: outputs ? (C - P) * wb : 0,
      nStep: next ? next.step : 0,
      nWrap: next ? modulo(next.wrap, w.address) : 0,
      nIxWrap: next ? next.ixWrap : 0,
      rotWidth: 2 * C * wb,
      rotUsed: P * wb,
      romNote: outputs
        ? `lanes over outputs (${l.runGroups} groups of P over ${l.pixels} pixels x ${C} channels). Word j: the weights of channels 0..${C - 1} for input j, channel c in bits [c*${wb} +: ${wb}]; bias ROM word c: channel c's bias.`
        : `${l.groups} group(s) of P channels per pixel. Word g*${l.nIn}+j: weights of channels g*P..g*P+P-1 for input j, lane k in bits [k*${wb} +: ${wb}]; bias ROM word c: channel c's bias.`,
    },
    lastChannel: C - 1,
  };
}
