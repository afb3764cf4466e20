/**
 * The programmatic entry to training: float training into a resumable model folder, then direct
 * quantization and retraining, each exported to the IR and measured with the integer model.
 */
import { loadDataset, type Dataset } from "../data/datasets.js";
import type { Network } from "../ir/schema.js";
import { evaluateFast } from "../reference/fast.js";
import { exportNetwork, type FloatLayer } from "../quant/export.js";
import { calibrateSignalScale } from "../quant/signals.js";
import { optimalDelta } from "../quant/uniform.js";
import { initBackend } from "../tf/backend.js";
import { TritforgeError } from "../util/errors.js";
import { ensureWritableDir } from "../util/fs.js";
import { makeRng } from "../util/rng.js";
import { archInput, inputFeatures, paramShapes, parameterCount, weightCount, withData, type Architecture } from "./arch.js";
import { Engine, type QuantState } from "./engine.js";
import { accuracy, batchTensor, fit, type Samples } from "./loop.js";
import { checkModelDir, hasModel, loadModel, saveModel, type ModelMeta, type Params } from "./store.js";

export type { Architecture } from "./arch.js";

export interface FloatTrainOptions {
  /** A built-in data set name or a folder of IDX / .npy files (src/data/folder.ts). */
  dataset: string;
  arch: Architecture;
  seed: number;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Use only the first N training images (tests, quick runs). */
  trainLimit?: number;
  /** Where the float model is saved; a finished model there is reused, an unfinished one resumed. */
  modelDir: string;
  backend?: string;
  progress?: boolean;
  /** Early stopping: epochs without a better validation accuracy (default 4; 0 = never). */
  patience?: number;
  /** Train at most this many epochs in this call and leave the model resumable (time-boxed runs, tests). */
  stopAfter?: number;
}

export interface FloatResult {
  modelDir: string;
  testAccuracy: number;
  parameters: number;
  weightCount: number;
  epochs: number;
  seconds: number;
  backend: string;
  samplesPerSecond: number;
}

const VALIDATION_FRACTION = 1 / 12;
const datasets = new Map<string, Dataset>();
function dataset(name: string): Dataset {
  let d = datasets.get(name);
  if (!d) {
    d = loadDataset(name);
    datasets.set(name, d);
  }
  return d;
}

/** Training and validation parts of the (optionally limited) training split; the validation part is the tail. */
export function splitTraining(d: Dataset, limit?: number): { train: Samples; validation: Samples } {
  const count = Math.min(limit ?? d.train.count, d.train.count);
  const nVal = Math.max(1, Math.round(count * VALIDATION_FRACTION));
  const nTrain = count - nVal;
  const size = d.shape[0] * d.shape[1] * d.shape[2];
  return {
    train: { images: d.train.images.subarray(0, nTrain * size), labels: d.train.labels.subarray(0, nTrain), count: nTrain },
    validation: { images: d.train.images.subarray(nTrain * size, count * size), labels: d.train.labels.subarray(nTrain, count), count: nVal },
  };
}

/** He-normal weights and zero biases from a seed. */
export function initialParams(arch: Architecture, seed: number): { weights: Float32Array[]; biases: Float32Array[] } {
  const rng = makeRng(`init:${seed}`);
  const shapes = paramShapes(arch);
  const weights = shapes.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const fanIn = n / s.shape[s.shape.length - 1]!;
    const std = Math.sqrt(2 / fanIn);
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = rng.normal() * std;
    return w;
  });
  return { weights, biases: shapes.map((s) => new Float32Array(s.biasLength)) };
}

function checkCommon(epochs: number, what: string): void {
  if (!Number.isInteger(epochs) || epochs < 1) throw new TritforgeError(`${what} must be a whole number >= 1, got ${epochs}`);
}

/** The architecture without the shape fields the data set adds (withData). */
const layersOf = ({ input: _input, classes: _classes, ...layers }: Architecture): Architecture => layers;

const floatSettings = (o: FloatTrainOptions): NonNullable<ModelMeta["settings"]> => ({ epochs: o.epochs, batchSize: o.batchSize ?? 128, learningRate: o.learningRate ?? 1e-3, patience: o.patience ?? 4 });

/** Same configuration: a folder is only reused or resumed for settings that give the same weights. */
const sameConfig = (meta: ModelMeta, o: FloatTrainOptions): boolean =>
  JSON.stringify(layersOf(meta.arch)) === JSON.stringify(layersOf(o.arch)) &&
  meta.seed === o.seed &&
  meta.dataset === o.dataset &&
  meta.trainLimit === (o.trainLimit ?? null) &&
  (meta.settings === undefined || JSON.stringify(meta.settings) === JSON.stringify(floatSettings(o)));

export async function trainFloat(o: FloatTrainOptions): Promise<FloatResult> {
  checkCommon(o.epochs, "epochs");
  checkModelDir(o.modelDir);
  let resumeFrom: ReturnType<typeof loadModel> | null = null;
  if (hasModel(o.modelDir)) {
    const m = loadModel(o.modelDir);
    if (!sameConfig(m.meta, o))
      throw new TritforgeError(`${o.modelDir} holds a model of another configuration (${m.meta.dataset}, ${JSON.stringify(m.meta.arch)}, seed ${m.meta.seed}${m.meta.settings ? `, ${JSON.stringify(m.meta.settings)}` : ""}); remove it or choose another folder`);
    if (m.meta.status === "done") return resultOf(o.modelDir, m.meta);
    resumeFrom = m;
  }
  const d = dataset(o.dataset);
  const arch = withData(o.arch, d.shape, d.classes);
  const backend = await initBackend(o.backend ?? "auto");
  ensureWritableDir(o.modelDir);
  const { train, validation } = splitTraining(d, o.trainLimit);
  let params: Params = initialParams(arch, o.seed);
  let meta: ModelMeta = {
    format: "tritforge-float-model",
    version: 1,
    arch,
    dataset: o.dataset,
    seed: o.seed,
    status: "training",
    epochsPlanned: o.epochs,
    epochsDone: 0,
    adamSteps: 0,
    bestValidationAccuracy: null,
    testAccuracy: null,
    seconds: 0,
    backend,
    trainLimit: o.trainLimit ?? null,
    settings: floatSettings(o),
    history: [],
  };
  let optimizer: Float32Array[] | null = null;
  let best: Params | null = null;
  if (resumeFrom) {
    meta = { ...resumeFrom.meta, epochsPlanned: o.epochs, backend };
    params = { weights: resumeFrom.weights, biases: resumeFrom.biases };
    optimizer = resumeFrom.optimizer;
    best = resumeFrom.best;
  }
  const engine = new Engine(arch, params.weights, params.biases);
  if (optimizer) engine.setOptimizerState(optimizer, meta.adamSteps);
  const history = meta.history.map((h) => h.validationAccuracy ?? h.trainAccuracy);
  const bestSoFar = history.length ? Math.max(...history) : undefined;
  try {
    await fit(engine, train, {
      epochs: o.epochs,
      batchSize: o.batchSize ?? 128,
      learningRate: o.learningRate ?? 1e-3,
      seed: o.seed,
      quant: null,
      validation,
      patience: o.patience ?? 4,
      startEpoch: meta.epochsDone,
      resumeBest: bestSoFar === undefined ? undefined : { score: bestSoFar, epoch: history.lastIndexOf(bestSoFar) },
      stopAfter: o.stopAfter,
      progress: o.progress ?? false,
      label: "float",
      onEpoch: async (epoch, info) => {
        const w = await engine.weights();
        meta.history.push(info);
        meta.epochsDone = epoch + 1;
        meta.adamSteps = engine.t;
        meta.seconds += info.seconds;
        if (info.validationAccuracy !== null && (meta.bestValidationAccuracy === null || info.validationAccuracy > meta.bestValidationAccuracy)) {
          meta.bestValidationAccuracy = info.validationAccuracy;
          best = w;
        }
        saveModel(o.modelDir, { meta, ...w }, { optimizer: await engine.optimizerState(), best });
      },
    });
    if (meta.status === "training" && o.stopAfter !== undefined && meta.epochsDone < o.epochs && !earlyStopped(meta, o.patience ?? 4)) return resultOf(o.modelDir, meta);
    const final = best ?? (await engine.weights());
    const testEngine = new Engine(arch, final.weights, final.biases);
    meta.testAccuracy = accuracy(testEngine, d.test, null);
    testEngine.dispose();
    meta.status = "done";
    saveModel(o.modelDir, { meta, ...final }, null);
  } finally {
    engine.dispose();
  }
  return resultOf(o.modelDir, meta);
}

/** True when the history ends with `patience` epochs without a better validation accuracy. */
function earlyStopped(meta: ModelMeta, patience: number): boolean {
  if (patience <= 0) return false;
  const scores = meta.history.map((h) => h.validationAccuracy ?? h.trainAccuracy);
  const bestAt = scores.indexOf(Math.max(...scores));
  return scores.length - 1 - bestAt >= patience;
}

function resultOf(modelDir: string, meta: ModelMeta): FloatResult {
  const samples = meta.history.reduce((s, h) => s + h.samplesPerSecond * h.seconds, 0);
  return {
    modelDir,
    testAccuracy: meta.testAccuracy ?? 0,
    parameters: parameterCount(meta.arch),
    weightCount: weightCount(meta.arch),
    epochs: meta.epochsDone,
    seconds: meta.seconds,
    backend: meta.backend,
    samplesPerSecond: meta.seconds ? samples / meta.seconds : 0,
  };
}

export interface QuantOptions {
  modelDir: string;
  levels: number;
  signalBits: number;
  retrainEpochs: number;
  seed: number;
  /** IR network name. */
  name: string;
  learningRate?: number;
  trainLimit?: number;
  backend?: string;
  progress?: boolean;
  /** "fixed": steps from direct quantization; "reestimate": L2-optimal steps and signal scales recomputed every epoch. */
  deltaMode?: "fixed" | "reestimate";
  batchSize?: number;
  /**
   * Keep the directly quantized weights as a candidate beside the retrained ones and export whichever
   * scores better on the validation split (fake-quantized forward pass, the score retraining already
   * selects its epoch by). Consumes no random numbers; when retraining wins, the result is identical
   * to a run without it.
   */
  keepDirect?: boolean;
}

export interface QuantMeasurement {
  network: Network;
  /** Integer-model (hardware) accuracy on the 10,000 test images. */
  testAccuracy: number;
  /** The TF.js fake-quantized forward pass on the same images. */
  fakeQuantAccuracy: number;
}

/** Which candidate a keepDirect run exported, and the validation scores it chose by. */
export interface Selection {
  chosen: "direct" | "retrained";
  validation: { direct: number; retrained: number };
  /** Test accuracy (integer model) of the candidate that was not exported. */
  rejectedTestAccuracy: number;
}

export interface QuantResult {
  direct: QuantMeasurement;
  /** The exported retrained network: the direct one when keepDirect chose it. */
  retrained: QuantMeasurement | null;
  /** Set when keepDirect was asked for and retraining ran. */
  selection: Selection | null;
  floatAccuracy: number;
  seconds: number;
  backend: string;
}

const CALIBRATION_SAMPLES = 5000;
/** Images per forward pass during calibration: a 64-map 28x28 layer over 5,000 images would need 1 GB of wasm memory at once. */
const CALIBRATION_CHUNK = 250;

/** L2-optimal step per layer, then signal scales calibrated layer by layer on training images. */
async function calibrate(engine: Engine, levels: number, signalBits: number, calib: Samples): Promise<QuantState> {
  const { weights } = await engine.weights();
  const q: QuantState = { levels, signalBits, deltas: weights.map((w) => optimalDelta(w, levels)), scales: [], inputScale: 1 / 255 };
  for (let i = 0; i < engine.layers.length - 1; i++) {
    let values: Float32Array | null = null;
    let perImage = 0;
    for (let i0 = 0; i0 < calib.count; i0 += CALIBRATION_CHUNK) {
      const n = Math.min(CALIBRATION_CHUNK, calib.count - i0);
      const x = batchTensor(calib.images, Int32Array.from({ length: n }, (_, b) => i0 + b), n, engine.arch);
      const act = engine.hiddenActivations(x, q, i);
      x.dispose();
      const chunk = (await act.data()) as Float32Array;
      act.dispose();
      if (!values) {
        perImage = chunk.length / n;
        values = new Float32Array(perImage * calib.count);
      }
      values.set(chunk, i0 * perImage);
    }
    q.scales.push(calibrateSignalScale(values ?? new Float32Array(0), signalBits));
  }
  return q;
}

export function floatLayers(arch: Architecture, weights: Float32Array[], biases: Float32Array[]): FloatLayer[] {
  const out: FloatLayer[] = [];
  paramShapes(arch).forEach((s, i) => {
    const w = weights[i]!;
    if (s.kind === "dense") {
      const [nIn, nOut] = s.shape as [number, number];
      if (i > 0 && paramShapes(arch)[i - 1]!.kind === "conv2d") out.push({ kind: "flatten" });
      const t = new Float32Array(nIn * nOut);
      for (let j = 0; j < nIn; j++) for (let o = 0; o < nOut; o++) t[o * nIn + j] = w[j * nOut + o]!;
      out.push({ kind: "dense", inFeatures: nIn, outFeatures: nOut, weights: t, bias: biases[i]! });
    } else {
      const [k, , c, oc] = s.shape as [number, number, number, number];
      const t = new Float32Array(w.length);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let ci = 0; ci < c; ci++) for (let o = 0; o < oc; o++) t[((o * k + y) * k + x) * c + ci] = w[((y * k + x) * c + ci) * oc + o]!;
      out.push({ kind: "conv2d", inChannels: c, outChannels: oc, kernel: k, padding: 1, weights: t, bias: biases[i]! });
      out.push({ kind: "maxpool", size: 2, stride: 2 });
    }
  });
  return out;
}

async function measure(engine: Engine, q: QuantState, d: Dataset, name: string, meta: ModelMeta, extra: Record<string, number>, backendPref: string): Promise<QuantMeasurement> {
  const { weights, biases } = await engine.weights();
  const image = meta.arch.kind === "cnn";
  const provisional = exportNetwork({
    name,
    inputShape: image ? archInput(meta.arch) : [inputFeatures(meta.arch)],
    inputBits: 8,
    inputScale: q.inputScale,
    layers: floatLayers(meta.arch, weights, biases),
    levels: q.levels,
    deltas: q.deltas,
    signalBits: q.signalBits,
    signalScales: q.scales,
    provenance: { source: "trained", untrained: false, dataset: meta.dataset, seed: meta.seed, tool: "tritforge train" },
  });
  const { correct, accuracy: value } = await evaluateFast(provisional, d.test.images, d.test.labels, d.test.count);
  await initBackend(backendPref); // the fast engine picks its own backend; training continues on the chosen one
  const fakeQuantAccuracy = accuracy(engine, d.test, q);
  const network: Network = {
    ...provisional,
    provenance: {
      ...provisional.provenance,
      accuracy: { split: "test", samples: d.test.count, correct, value },
      metrics: { ...extra, ...(extra.retrainEpochs ? { retrained: value } : { direct: value }), fakeQuantAccuracy },
    },
  };
  return { network, testAccuracy: value, fakeQuantAccuracy };
}

export async function quantizeAndRetrain(o: QuantOptions): Promise<QuantResult> {
  if (!Number.isInteger(o.levels) || o.levels < 3 || o.levels % 2 === 0 || o.levels > 255) throw new TritforgeError(`levels must be an odd whole number in [3, 255], got ${o.levels}`);
  if (!Number.isInteger(o.retrainEpochs) || o.retrainEpochs < 0) throw new TritforgeError(`retrain epochs must be a whole number >= 0, got ${o.retrainEpochs}`);
  const t0 = performance.now();
  const m = loadModel(o.modelDir);
  if (m.meta.status !== "done") throw new TritforgeError(`the float model in ${o.modelDir} has not finished training`);
  const backend = await initBackend(o.backend ?? "auto");
  const d = dataset(m.meta.dataset);
  const { train, validation } = splitTraining(d, o.trainLimit ?? m.meta.trainLimit ?? undefined);
  const calib: Samples = { images: train.images.subarray(0, Math.min(CALIBRATION_SAMPLES, train.count) * inputFeatures(m.meta.arch)), labels: train.labels, count: Math.min(CALIBRATION_SAMPLES, train.count) };
  const engine = new Engine(m.meta.arch, m.weights, m.biases);
  const floatAccuracy = m.meta.testAccuracy ?? 0;
  const common = { float: floatAccuracy, levels: o.levels, signalBits: o.signalBits };
  try {
    let q = await calibrate(engine, o.levels, o.signalBits, calib);
    const direct = await measure(engine, q, d, o.name, m.meta, { ...common, retrainEpochs: 0 }, o.backend ?? "auto");
    let retrained: QuantMeasurement | null = null;
    let selection: Selection | null = null;
    if (o.retrainEpochs > 0) {
      // Scored before any retraining step; a forward pass only, so the retraining run is unchanged.
      const directVal = o.keepDirect ? accuracy(engine, validation, q) : null;
      const mode = o.deltaMode ?? "fixed";
      let bestVal = -1;
      let bestParams: Params | null = null;
      let bestQ: QuantState = q;
      await fit(engine, train, {
        epochs: o.retrainEpochs,
        batchSize: o.batchSize ?? 128,
        learningRate: o.learningRate ?? 2e-4,
        seed: o.seed + 1,
        quant: q,
        validation,
        patience: 0,
        progress: o.progress ?? false,
        label: `retrain M=${o.levels}`,
        onEpoch: async (_epoch, info) => {
          // Keep the weights (and steps) of the best fake-quantized validation epoch.
          if (info.validationAccuracy !== null && info.validationAccuracy > bestVal) {
            bestVal = info.validationAccuracy;
            bestParams = await engine.weights();
            bestQ = structuredClone(q);
          }
        },
        beforeEpoch: async (epoch) => {
          if (mode === "reestimate" && epoch > 0) {
            const next = await calibrate(engine, o.levels, o.signalBits, calib);
            Object.assign(q, next);
          }
        },
      });
      if (bestParams) {
        engine.setWeights(bestParams);
        q = bestQ;
      }
      retrained = await measure(engine, q, d, o.name, m.meta, { ...common, retrainEpochs: o.retrainEpochs, direct: direct.testAccuracy, deltaReestimated: mode === "reestimate" ? 1 : 0 }, o.backend ?? "auto");
      if (directVal !== null) {
        // Ties keep the retrained weights, so a run where the fallback does not trigger exports what it always did.
        const chosen = directVal > bestVal ? "direct" : "retrained";
        selection = { chosen, validation: { direct: directVal, retrained: bestVal }, rejectedTestAccuracy: chosen === "direct" ? retrained.testAccuracy : direct.testAccuracy };
        if (chosen === "direct") retrained = direct;
      }
    }
    return { direct, retrained, selection, floatAccuracy, seconds: (performance.now() - t0) / 1000, backend };
  } finally {
    engine.dispose();
  }
}
