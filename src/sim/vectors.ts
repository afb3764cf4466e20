/**
 * Input vectors for co-simulation: the first test images of the data set the model was trained on
 * (with their labels), or seeded random values in the network's input range for untrained models.
 */
import { isDatasetName, loadDataset } from "../data/datasets.js";
import { randomInputs } from "../ir/random.js";
import type { Network } from "../ir/schema.js";
import { inputSize } from "../reference/infer.js";
import { TritforgeError } from "../util/errors.js";

export interface PickedVectors {
  inputs: Uint8Array | Uint16Array;
  count: number;
  labels: ArrayLike<number> | null;
  source: string;
}

/** `count` may be Infinity: the whole test set (only for a model that names its data set). */
export function pickVectors(net: Network, count: number, seed: number): PickedVectors {
  const size = inputSize(net);
  const dataset = net.provenance.dataset;
  if (!net.provenance.untrained && dataset && isDatasetName(dataset) && net.input.bits === 8 && size === 784) {
    const test = loadDataset(dataset).test;
    const n = Math.min(count, test.count);
    return { inputs: test.images.subarray(0, n * size), count: n, labels: test.labels.subarray(0, n), source: n === test.count ? `all ${n} ${dataset} test images` : `first ${n} ${dataset} test images` };
  }
  if (!Number.isFinite(count)) throw new TritforgeError(`${net.name} names no test set it was trained on (untrained or not a 784-input 8-bit model): give --vectors a number`);
  return { inputs: randomInputs(seed, count, size, net.input.bits), count, labels: null, source: `seeded random inputs, seed ${seed}` };
}
