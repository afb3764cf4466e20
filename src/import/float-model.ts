/**
 * An imported float network becomes a finished tritforge float model folder (the trainer's own
 * format), so direct quantization, retraining and IR export are exactly those of a network
 * trained here (quantizeAndRetrain). Its float accuracy is measured on the data set's test split.
 */
import { loadDataset } from "../data/datasets.js";
import { floatLayers } from "../train/api.js";
import { archInput, inputFeatures, withData } from "../train/arch.js";
import { Engine } from "../train/engine.js";
import { accuracy } from "../train/loop.js";
import { hasModel, loadModel, saveModel, type ModelMeta } from "../train/store.js";
import { initBackend } from "../tf/backend.js";
import { TritforgeError } from "../util/errors.js";
import { checkShapes, fromLayers, toTrainable, type FloatNetwork, type Trainable } from "./network.js";

export interface ImportedFloat {
  trainable: Trainable;
  modelDir: string;
  floatAccuracy: number;
}

/** Checks the network against the data set, measures its float accuracy and saves it as a float model folder. */
export async function saveImported(net: FloatNetwork, source: string, dataset: string, modelDir: string, seed: number, backend = "auto"): Promise<ImportedFloat> {
  if (hasModel(modelDir)) throw new TritforgeError(`${modelDir} already holds a float model; choose another --model-dir or remove it`);
  const d = loadDataset(dataset);
  const t = toTrainable(net, source);
  const features = d.shape.reduce((a, b) => a * b, 1);
  const netFeatures = net.input.reduce((a, b) => a * b, 1);
  if (netFeatures !== features || (net.input.length === 3 && net.input.join("x") !== d.shape.join("x")))
    throw new TritforgeError(`${source}: the network reads inputs of [${net.input.join(", ")}], data set ${dataset} has images of ${d.shape.join("x")}`);
  const arch = withData(t.arch, d.shape, d.classes);
  const trainable = { ...t, arch };
  checkShapes(trainable, source);
  const used = await initBackend(backend);
  const engine = new Engine(arch, t.weights, t.biases);
  let floatAccuracy: number;
  try {
    floatAccuracy = accuracy(engine, d.test, null);
  } finally {
    engine.dispose();
  }
  const meta: ModelMeta = {
    format: "tritforge-float-model",
    version: 1,
    arch,
    dataset,
    seed,
    status: "done",
    epochsPlanned: 1,
    epochsDone: 0,
    adamSteps: 0,
    bestValidationAccuracy: null,
    testAccuracy: floatAccuracy,
    seconds: 0,
    backend: used,
    trainLimit: null,
    history: [],
  };
  saveModel(modelDir, { meta, weights: t.weights, biases: t.biases }, null);
  return { trainable, modelDir, floatAccuracy };
}

/** A float model folder (trained or imported) as a FloatNetwork and its trainer form. */
export function loadFloatNetwork(modelDir: string): { net: FloatNetwork; trainable: Trainable } {
  const m = loadModel(modelDir);
  const arch = m.meta.arch;
  const input = arch.kind === "cnn" ? archInput(arch) : [inputFeatures(arch)];
  return { net: fromLayers(input, floatLayers(arch, m.weights, m.biases)), trainable: { arch, weights: m.weights, biases: m.biases } };
}
