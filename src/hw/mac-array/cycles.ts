/** The mac-array's exact cycle model (the co-simulation tests compare it with measured cycles). */
import type { RtlPlan } from "./plan.js";
import { laneGroups } from "./lane-order.js";
import { neededOutputs } from "./walk.js";

/**
 * Cycles per inference, from the first input beat accepted to the last logit beat accepted, with
 * an always-valid source and an always-ready sink. Mirrors the control FSM exactly:
 *  - a dense layer 0 consumes the input stream as it computes (issue starts at t = 0); with
 *    convolutions the image is first loaded into buffer 0, one beat per cycle (t = input beats);
 *  - a layer issues its runs of N_in MAC cycles back to back (dense: one run per group; with
 *    windows: per lane group (lane-order.ts), one run per pool-window pixel); the last run of a pool
 *    window (every run without pooling) moves the lanes' results into the drain and must wait
 *    until the drain is down to its last value: its last MAC is at
 *    max(previous last MAC + pool window * N_in, previous drain load + that group's size);
 *  - dense designs MAC one cycle after the fetch (a pipeline register behind the weight-ROM read
 *    and bank mux) and drain through three more stages plus the requantizer's adder-tree stages R
 *    (plan.requantStages: the shared tree's or the deepest per-layer tree's, requant-share.ts):
 *    the next layer issues 3 + R cycles after the last group's last value left the drain; with
 *    windows the next layer issues once the last group has drained (its size after its load, +1);
 *  - after the output layer drains, the FSM enters the output state one cycle later and sends
 *    one logit per cycle.
 */
export function latency(plan: RtlPlan): number {
  let t = plan.walk ? plan.inputFeatures : 0;
  for (const l of plan.layers) {
    const windowRuns = l.walk.poolSize ** 2;
    // Dense designs MAC one stage later (the register behind the ROM read and bank mux).
    let lastMac = plan.walk ? t : t + 1;
    let load = -Infinity;
    let loadSize = 0;
    for (const g of laneGroups(l.laneOrder, l.pixels, l.nOut, plan.lanes)) {
      lastMac = Math.max(lastMac + windowRuns * l.nIn, load + loadSize);
      load = lastMac;
      loadSize = g.size;
    }
    // Dense designs drain through lane select + bias ROM, bias add and the requantizer's stages.
    t = load + loadSize + (plan.walk ? 1 : 3 + plan.requantStages);
  }
  return t + 1 + plan.classes;
}

/**
 * The ideal compute-bound count: sum over layers of ceil(outputs / P) * N_in, counting each output
 * the network needs once (pre-pool values no pool window reads are not needed; the walk skips them).
 */
export const idealCycles = (plan: RtlPlan): number => plan.layers.reduce((s, l) => s + Math.ceil(neededOutputs(l.walk, l.nOut) / plan.lanes) * l.nIn, 0);

/**
 * Cycles between the starts of successive inferences (source never stalls, sink always ready):
 * the first input beat of the next inference is accepted in the cycle after the previous one's
 * last logit beat, so the interval equals the latency (the array runs one inference at a time).
 */
export const interval = (plan: RtlPlan): number => latency(plan);
