/**
 * Structural features of a mac-array design for the analytic cost model (cost/analytic.ts), from
 * the plan alone, each a count of the bits of one kind of structure in the generated RTL. The
 * memory-derived features (ROM logic, ROM output registers, bank muxes) are computed by the cost
 * model from the manifest's memories, the same for every architecture.
 *   lane       P * accBits: per lane the accumulator and its drain register, the accumulating adder,
 *              and the drain's read of the lane (dense: lane-select mux; window walk: shift register)
 *   laneTerm   P * termBits (dense designs): the term-wide operand of the lane adder, |w| * x XOR the
 *              weight's sign (the carry-in adds the sign)
 *   shiftAdd   P * termBits * (weightBits - 2): the extra shifted copies of x a lane adds for M > 3 (the
 *              window walk's term is declared acc-wide, but only its termBits low bits are not sign copies)
 *   weightMux  P * weightBits * (layers - 1): each lane's choice of its layer's weight
 *   drainBias  accBits * layers: the drain's bias choice by layer, the bias adder and its registers
 *   requantAdd adder bits of the requantizers (requant-features.ts), summed over requantizing layers
 *   requantReg register bits of the requantizers' pipeline stages (dense designs; 0 with the walk)
 *   requantGate (dense designs with a shared requantizer) gate bits of its digit slots and constant
 *   control    1 (FSM, counters, fetch/MAC pipeline control, argmax stage, stream interface)
 * Designs with convolutions (window walk) add (dense-only designs do not have them: absent means 0):
 *   walk       register bits of the window walk (walk.ts): six padded-frame address registers, six
 *              row/column counters, two output and two ROM addresses
 *   walkLane   P * accBits: the walk's add-or-subtract lanes (two acc-wide adders and a mux where a
 *              dense lane has one adder over a term-wide operand)
 *   pool       P * accBits when some layer max-pools (a running-maximum register and comparator per lane)
 */
import type { RtlPlan } from "./plan.js";
import { requantChainBits, requantTreeBits, sharedTreeBits, type RequantBits } from "./requant-features.js";

/** Requantizer adder, register (and, shared, gate) bits: the shared tree, or every requantizing layer's own. */
function requantBits(plan: RtlPlan): RequantBits {
  const sharing = plan.requantSharing;
  if (sharing.mode === "shared" && sharing.shared) return sharedTreeBits(sharing.shared);
  return plan.layers.reduce<RequantBits>(
    (s, l) => {
      if (!l.requant) return s;
      const b = plan.walk ? requantChainBits(l.requant, l.accBits) : requantTreeBits(l.requant, l.accBits, plan.requantStages);
      return { adder: s.adder + b.adder, register: s.register + b.register };
    },
    { adder: 0, register: 0 },
  );
}

export function structuralFeatures(plan: RtlPlan): Record<string, number> {
  const P = plan.lanes;
  const acc = plan.accBits;
  const wb = plan.weightBits;
  const rq = requantBits(plan);
  const common = {
    lane: P * acc,
    shiftAdd: P * plan.termBits * Math.max(0, wb - 2),
    weightMux: P * wb * (plan.layers.length - 1),
    drainBias: acc * plan.layers.length,
    requantAdd: rq.adder,
    requantReg: rq.register,
    control: 1,
  };
  if (!plan.walk) return { ...common, laneTerm: P * plan.termBits, ...(rq.gate ? { requantGate: rq.gate } : {}) };
  return {
    ...common,
    walk: 6 * plan.walk.address + 6 * plan.walk.coord + 2 * plan.addrBits + 2 * plan.weightAddrBits,
    walkLane: P * acc,
    pool: plan.pools ? P * acc : 0,
  };
}
