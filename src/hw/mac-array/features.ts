/**
 * Structural features of a mac-array design for the analytic cost model (cost/analytic.ts), from
 * the plan alone. The memory-derived features (ROM logic, ROM output registers, bank muxes) are
 * computed by the cost model from the manifest's memories, the same for every architecture.
 *   lane      P * accBits                    lane add/subtract, accumulator, drain register and mux
 *   shiftAdd  P * accBits * (weightBits - 2) extra shifted copies a lane adds for M > 3
 *   layerMux  P * (accBits + weightBits) * (layers - 1)  per-layer selection of weights and biases
 *   biasRegs  bias register bits of layers with more than one group (a one-group layer's bias
 *             is a constant): sum of min(P, N_out) * bias bits; 0 with convolutions (their drain
 *             adds one bias per value from a per-channel bias ROM)
 *   requant   sum over hidden layers of CSD terms * product bits (the shift-add requantizers)
 *   control   1 (FSM, counters, argmax, stream interface)
 * Designs with convolutions add (dense-only designs do not have them: absent means 0):
 *   walk      register bits of the window walk (walk.ts): six padded-frame address registers, six
 *             row/column counters, two output and two ROM addresses
 *   pool      P * accBits when some layer max-pools (a running-maximum register and comparator per lane)
 */
import type { RtlPlan } from "./plan.js";

export function structuralFeatures(plan: RtlPlan): Record<string, number> {
  const P = plan.lanes;
  const acc = plan.accBits;
  const wb = plan.weightBits;
  return {
    lane: P * acc,
    shiftAdd: P * acc * Math.max(0, wb - 2),
    layerMux: P * (acc + wb) * (plan.layers.length - 1),
    biasRegs: plan.walk ? 0 : plan.layers.reduce((s, l) => s + (l.groups > 1 ? Math.min(P, l.nOut) * l.biasBits : 0), 0),
    requant: plan.layers.reduce((s, l) => s + (l.requant ? l.requant.terms.length * l.requant.productBits : 0), 0),
    control: 1,
    ...(plan.walk
      ? {
          walk: 6 * plan.walk.address + 6 * plan.walk.coord + 2 * plan.addrBits + 2 * plan.weightAddrBits,
          pool: plan.pools ? P * acc : 0,
        }
      : {}),
  };
}
