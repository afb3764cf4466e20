/** The mac-array's exact cycle model (the co-simulation tests compare it with measured cycles). */
import type { RtlPlan } from "./plan.js";

/**
 * Cycles per inference, from the first input beat accepted to the last logit beat accepted, with
 * an always-valid source and an always-ready sink. Mirrors the control FSM exactly:
 *  - layer issue starts at t; group g's last MAC is at t + N_in (g = 0), then one group every
 *    max(N_in, size of the group still draining) cycles (the drain of a group must be down to its
 *    last value before the next group's accumulators can move in);
 *  - the next layer issues once the last group has drained (n_last cycles after its last MAC, +1);
 *  - after the output layer drains, the FSM enters the output state one cycle later and sends
 *    one logit per cycle.
 */
export function latency(plan: RtlPlan): number {
  let t = 0;
  for (const l of plan.layers) {
    const size = (g: number) => (g === l.groups - 1 ? l.lastGroupSize : plan.lanes);
    let lastMac = t + l.nIn;
    for (let g = 1; g < l.groups; g++) lastMac += Math.max(l.nIn, size(g - 1));
    t = lastMac + size(l.groups - 1) + 1;
  }
  return t + 1 + plan.classes;
}

/** The ideal compute-bound count: sum over layers of ceil(N_out / P) * N_in. */
export const idealCycles = (plan: RtlPlan): number => plan.layers.reduce((s, l) => s + l.groups * l.nIn, 0);

/**
 * Cycles between the starts of successive inferences (source never stalls, sink always ready):
 * the first input beat of the next inference is accepted in the cycle after the previous one's
 * last logit beat, so the interval equals the latency (the array runs one inference at a time).
 */
export const interval = (plan: RtlPlan): number => latency(plan);
