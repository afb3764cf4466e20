/** Co-simulation: the RTL's output integers against the bit-exact reference, vector by vector. */
import type { Network } from "../ir/schema.js";
import { infer, inputSize } from "../reference/infer.js";
import { simulateBundle, type SimOptions, type SimResult } from "./iverilog.js";

export interface Mismatch {
  vector: number;
  field: string;
  rtl: number;
  reference: number;
}

export interface CosimReport {
  vectors: number;
  mismatches: Mismatch[];
  /** Cycles per inference of each vector, as measured in simulation. */
  cycles: number[];
  sim: SimResult;
}

export async function cosimulate(net: Network, bundleDir: string, inputs: ArrayLike<number>, count: number, opts: SimOptions = {}): Promise<CosimReport> {
  const n = inputSize(net);
  const flat = Array.from({ length: count * n }, (_, i) => inputs[i]!);
  const ref = infer(net, flat, count);
  const sim = await simulateBundle(bundleDir, flat, count, opts);
  const mismatches: Mismatch[] = [];
  if (sim.vectors.length !== count) mismatches.push({ vector: -1, field: "vector count", rtl: sim.vectors.length, reference: count });
  sim.vectors.forEach((v, s) => {
    if (v.vector !== s) mismatches.push({ vector: s, field: "vector index", rtl: v.vector, reference: s });
    if (v.predicted !== ref.predicted[s]) mismatches.push({ vector: s, field: "class", rtl: v.predicted, reference: ref.predicted[s]! });
    v.logits.forEach((l, c) => {
      const r = ref.logits[s * ref.classes + c]!;
      if (l !== r) mismatches.push({ vector: s, field: `logit[${c}]`, rtl: l, reference: r });
    });
  });
  return { vectors: count, mismatches, cycles: sim.vectors.map((v) => v.cycles), sim };
}
