/** Co-simulation: the RTL's output integers against the bit-exact reference, vector by vector. */
import type { Network } from "../ir/schema.js";
import { infer, inputSize, type Inference } from "../reference/infer.js";
import { simulateBundle, type SimOptions, type SimResult } from "./run.js";

export interface Mismatch {
  vector: number;
  field: string;
  rtl: number;
  reference: number;
}

export interface CosimReport {
  vectors: number;
  mismatches: Mismatch[];
  /** Latency of each vector, as measured in simulation. */
  cycles: number[];
  sim: SimResult;
}

/** Every integer of the RTL's output against the reference's logits and classes. */
export function compareWithReference(sim: SimResult, ref: Pick<Inference, "logits" | "predicted" | "classes">, count: number, firstVector = 0): Mismatch[] {
  const mismatches: Mismatch[] = [];
  if (sim.vectors.length !== count) mismatches.push({ vector: -1, field: "vector count", rtl: sim.vectors.length, reference: count });
  sim.vectors.forEach((v, s) => {
    const id = firstVector + s;
    if (v.vector !== s) mismatches.push({ vector: id, field: "vector index", rtl: v.vector, reference: s });
    if (v.predicted !== ref.predicted[s]) mismatches.push({ vector: id, field: "class", rtl: v.predicted, reference: ref.predicted[s]! });
    v.logits.forEach((l, c) => {
      const r = ref.logits[s * ref.classes + c]!;
      if (l !== r) mismatches.push({ vector: id, field: `logit[${c}]`, rtl: l, reference: r });
    });
  });
  return mismatches;
}

export async function cosimulate(net: Network, bundleDir: string, inputs: ArrayLike<number>, count: number, opts: SimOptions = {}): Promise<CosimReport> {
  const n = inputSize(net);
  const flat = Array.from({ length: count * n }, (_, i) => inputs[i]!);
  const ref = infer(net, flat, count);
  const sim = await simulateBundle(bundleDir, flat, count, opts);
  return { vectors: count, mismatches: compareWithReference(sim, ref, count), cycles: sim.vectors.map((v) => v.cycles), sim };
}
