/**
 * Input vectors for co-simulation: the first test images of the data set the model was trained on
 * (a built-in name or a folder of IDX / .npy files, with their labels) when it is there and its
 * images fit the network's input, or seeded random values in the network's input range otherwise
 * (untrained models, data no longer at hand).
 */
import { isDatasetName, loadDataset, type Split } from "../data/datasets.js";
import { isDataFolder } from "../data/folder.js";
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

/** The test split of the data set the network was trained on, when it is at hand and fits the input. */
export function testSplitOf(net: Network): Split | null {
  const dataset = net.provenance.dataset;
  if (net.provenance.untrained || !dataset || net.input.bits !== 8 || !(isDatasetName(dataset) || isDataFolder(dataset))) return null;
  const test = loadDataset(dataset).test;
  return test.images.length === test.count * inputSize(net) ? test : null;
}

/** `count` may be Infinity: the whole test set (only for a model whose test set is at hand). */
export function pickVectors(net: Network, count: number, seed: number): PickedVectors {
  const size = inputSize(net);
  const test = testSplitOf(net);
  const dataset = net.provenance.dataset;
  if (test) {
    const n = Math.min(count, test.count);
    return { inputs: test.images.subarray(0, n * size), count: n, labels: test.labels.subarray(0, n), source: n === test.count ? `all ${n} ${dataset} test images` : `first ${n} ${dataset} test images` };
  }
  if (!Number.isFinite(count)) throw new TritforgeError(`${net.name} names no test set it was trained on that is at hand and fits its 8-bit input (untrained, or the data is gone): give --vectors a number`);
  return { inputs: randomInputs(seed, count, size, net.input.bits), count, labels: null, source: `seeded random inputs, seed ${seed}` };
}
