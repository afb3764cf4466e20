/**
 * Shrinking a failing fuzz case to a small reproducer: greedy, trying simpler variants (one vector,
 * fewer layers, narrower layers, fewer lanes, no stalls, smaller levels) and keeping each one that
 * still fails, until none does or the attempt budget is spent.
 */
import { parseNetwork } from "../ir/io.js";
import type { DenseLayer, Network } from "../ir/schema.js";
import type { FuzzCase } from "./generate.js";

const dense = (net: Network): DenseLayer[] => net.layers as DenseLayer[];
const rebuilt = (c: FuzzCase, layers: DenseLayer[], input: Network["input"], inputs: number[]): FuzzCase | null => {
  try {
    return { ...c, net: parseNetwork({ ...c.net, input, layers }, "shrunk case"), inputs };
  } catch {
    return null; // a variant that is not a valid network is simply not tried
  }
};

/** Keeps only the outputs `keep` of layer i (and the matching inputs of layer i + 1). */
function narrow(c: FuzzCase, i: number, keep: number): FuzzCase | null {
  const layers = dense(c.net).map((l) => ({ ...l }));
  const l = layers[i]!;
  if (keep < 1 || keep >= l.outFeatures) return null;
  layers[i] = { ...l, outFeatures: keep, weights: l.weights.slice(0, keep * l.inFeatures), bias: l.bias.slice(0, keep) };
  const next = layers[i + 1];
  if (next) layers[i + 1] = { ...next, inFeatures: keep, weights: Array.from({ length: next.outFeatures }, (_, o) => next.weights.slice(o * next.inFeatures, o * next.inFeatures + keep)).flat() };
  return rebuilt(c, layers, c.net.input, c.inputs);
}

/** Keeps only the first `keep` inputs. */
function narrowInput(c: FuzzCase, keep: number): FuzzCase | null {
  const n = c.net.input.shape[0]!;
  if (keep < 1 || keep >= n) return null;
  const layers = dense(c.net).map((l) => ({ ...l }));
  const first = layers[0]!;
  layers[0] = { ...first, inFeatures: keep, weights: Array.from({ length: first.outFeatures }, (_, o) => first.weights.slice(o * n, o * n + keep)).flat() };
  const inputs = Array.from({ length: c.vectors }, (_, v) => c.inputs.slice(v * n, v * n + keep)).flat();
  return rebuilt(c, layers, { ...c.net.input, shape: [keep] }, inputs);
}

/** Simpler variants of a case, most aggressive first. */
export function shrinkCandidates(c: FuzzCase, failingVector: number | null): FuzzCase[] {
  const out: Array<FuzzCase | null> = [];
  const layers = dense(c.net);
  const n = c.net.input.shape[0]!;
  if (c.vectors > 1) {
    const v = failingVector ?? 0;
    out.push({ ...c, vectors: 1, inputs: c.inputs.slice(v * n, (v + 1) * n) });
  }
  if (c.stall) out.push({ ...c, stall: 0 });
  if (layers.length > 1) {
    // Drop the last layer: the one before it now outputs logits.
    const head = layers.slice(0, -1).map((l) => ({ ...l }));
    head[head.length - 1] = { ...head[head.length - 1]!, output: { kind: "logits" } };
    out.push(rebuilt(c, head, c.net.input, c.inputs));
    // Drop the first layer: its output becomes the input (fresh inputs in range).
    const first = layers[0]!;
    if (first.output.kind === "requant") {
      const bits = first.output.bits;
      const m = first.outFeatures;
      const inputs = Array.from({ length: c.vectors * m }, (_, i) => c.inputs[i % c.inputs.length]! % 2 ** bits);
      out.push(rebuilt(c, layers.slice(1), { shape: [m], bits, scale: first.output.scale }, inputs));
    }
  }
  for (const [i, l] of layers.entries()) {
    if (i === layers.length - 1 && l.outFeatures <= 1) continue;
    out.push(narrow(c, i, 1), narrow(c, i, Math.ceil(l.outFeatures / 2)), narrow(c, i, l.outFeatures - 1));
  }
  out.push(narrowInput(c, 1), narrowInput(c, Math.ceil(n / 2)), narrowInput(c, n - 1));
  if (c.lanes > 1) out.push({ ...c, lanes: 1 }, { ...c, lanes: Math.ceil(c.lanes / 2) }, { ...c, lanes: c.lanes - 1 });
  return out.filter((x): x is FuzzCase => x !== null);
}

/** A rough size of a case: what shrinking drives down. */
export const caseSize = (c: FuzzCase): number => c.vectors * 1e9 + dense(c.net).reduce((s, l) => s + l.weights.length + 1000, 0) + c.lanes + (c.stall ? 1 : 0);

export interface ShrinkResult {
  smallest: FuzzCase;
  attempts: number;
  steps: number;
}

/**
 * Greedy shrinking: `fails` says whether a variant still fails (and which vector, if known); at
 * most `maxAttempts` variants are tried.
 */
export async function shrink(c: FuzzCase, fails: (c: FuzzCase) => Promise<{ failed: boolean; vector: number | null }>, failingVector: number | null, maxAttempts = 60): Promise<ShrinkResult> {
  let best = c;
  let vector = failingVector;
  let attempts = 0;
  let steps = 0;
  for (let improved = true; improved && attempts < maxAttempts; ) {
    improved = false;
    for (const cand of shrinkCandidates(best, vector)) {
      if (caseSize(cand) >= caseSize(best)) continue;
      if (++attempts > maxAttempts) break;
      const r = await fails(cand);
      if (r.failed) {
        best = cand;
        vector = cand.vectors === 1 ? 0 : r.vector;
        steps++;
        improved = true;
        break;
      }
    }
  }
  return { smallest: best, attempts: Math.min(attempts, maxAttempts), steps };
}
