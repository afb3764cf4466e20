/**
 * One model from training settings, with its recipe: float training (or a finished float folder
 * of the same configuration), direct quantization, retraining, and the chosen network with
 * `provenance.recipe` (the canonical flags and the environment). `npm run train` saves it,
 * `npm run reproduce` compares it with a shipped file.
 */
import { datasetDigest } from "../data/digest.js";
import { loadDataset } from "../data/datasets.js";
import type { Network, Recipe } from "../ir/schema.js";
import { backendVariant, initBackend } from "../tf/backend.js";
import { TritforgeError } from "../util/errors.js";
import { toolEnvironment } from "../util/environment.js";
import { quantizeAndRetrain, trainFloat, type FloatResult, type QuantResult } from "./api.js";
import { canonicalTrainFlags, type TrainSettings } from "./recipe.js";

export interface TrainedModel {
  /** The retrained network (the direct one with 0 retraining epochs), recipe included. */
  network: Network;
  float: FloatResult;
  quant: QuantResult;
  /** The backend that ran ("wasm", "cpu", "tensorflow"). */
  backend: string;
}

export interface TrainModelOptions {
  /** Float model folder: reused when it holds this configuration finished, resumed when unfinished. */
  modelDir: string;
  progress?: boolean;
  /** Clock for the recipe's createdAt (tests). */
  now?: () => Date;
}

export async function trainModel(s: TrainSettings, o: TrainModelOptions): Promise<TrainedModel> {
  const made = toolEnvironment(); // the commit and versions that run, before any output changes the checkout
  const backend = await initBackend(s.backend);
  const variant = await backendVariant();
  const progress = o.progress ?? false;
  const float = await trainFloat({ dataset: s.dataset, arch: s.arch, seed: s.seed, epochs: s.epochs, batchSize: s.batchSize, learningRate: s.lr, trainLimit: s.trainLimit, modelDir: o.modelDir, backend: s.backend, progress, patience: s.patience });
  if (float.backend !== backend)
    throw new TritforgeError(`the float model in ${o.modelDir} was trained on backend ${float.backend}, this run uses ${backend}: give --backend ${float.backend} or another --model-dir`);
  const quant = await quantizeAndRetrain({ modelDir: o.modelDir, levels: s.levels, signalBits: s.signalBits, retrainEpochs: s.retrainEpochs, seed: s.seed, name: s.name, learningRate: s.retrainLr, trainLimit: s.trainLimit, backend: s.backend, progress, deltaMode: s.deltaMode, batchSize: s.batchSize, keepDirect: s.keepDirect });
  const chosen = quant.retrained ?? quant.direct;
  const recipe: Recipe = {
    command: "train",
    flags: canonicalTrainFlags({ ...s, backend }),
    environment: { ...made, backend: variant, data: { [s.dataset]: datasetDigest(loadDataset(s.dataset)) }, createdAt: (o.now ?? (() => new Date()))().toISOString() },
  };
  return { network: { ...chosen.network, provenance: { ...chosen.network.provenance, recipe } }, float, quant, backend };
}
