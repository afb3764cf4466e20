/** Input vectors for co-simulation: seeded random values in the network's input range. */
import { randomInputs } from "../ir/random.js";
import type { Network } from "../ir/schema.js";
import { inputSize } from "../reference/infer.js";

export interface PickedVectors {
  inputs: Uint8Array | Uint16Array;
  count: number;
  labels: ArrayLike<number> | null;
  source: string;
}

export function pickVectors(net: Network, count: number, seed: number): PickedVectors {
  return { inputs: randomInputs(seed, count, inputSize(net), net.input.bits), count, labels: null, source: `seeded random inputs, seed ${seed}` };
}
