/**
 * The TF.js Layers format (model.json + binary weight shards, what `tensorflowjs_converter` writes
 * from a Keras model and what `model.save` writes in TF.js), read and written through TF.js's own
 * loader and serializer (tfjs-layers):
 *  - readTfjsModel: Dense, Conv2D, MaxPooling2D, Flatten, ReLU / Activation("relu"), Dropout and
 *    InputLayer into a FloatNetwork (Keras is channels-last, so HWC already); a softmax on the last
 *    layer is dropped (it changes no prediction). Any other layer is refused with one line naming
 *    its class and name.
 *  - saveTfjsModel: a trained architecture as a Sequential model.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { archClasses, archInput, inputFeatures, type Architecture } from "../train/arch.js";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { FloatNetwork, FloatOp, Trainable } from "./network.js";

export const TFJS_LAYERS = ["Dense", "Conv2D", "MaxPooling2D", "Flatten", "ReLU", "Activation", "Dropout", "InputLayer"] as const;

/** A Sequential model of an architecture (ReLU hidden layers; the last layer's activation as given). */
export function layersModel(arch: Architecture, lastActivation: "linear" | "softmax"): tfl.Sequential {
  const m = tfl.sequential();
  if (arch.kind === "ffdnn") {
    arch.hidden.forEach((h, i) => m.add(tfl.layers.dense({ units: h, activation: "relu", ...(i === 0 ? { inputShape: [inputFeatures(arch)] } : {}) })));
  } else {
    arch.conv.forEach((c, i) => {
      m.add(tfl.layers.conv2d({ filters: c, kernelSize: 3, padding: "same", activation: "relu", ...(i === 0 ? { inputShape: archInput(arch) } : {}) }));
      m.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
    });
    m.add(tfl.layers.flatten());
    for (const h of arch.dense) m.add(tfl.layers.dense({ units: h, activation: "relu" }));
  }
  m.add(tfl.layers.dense({ units: archClasses(arch), activation: lastActivation, ...(arch.kind === "ffdnn" && arch.hidden.length === 0 ? { inputShape: [inputFeatures(arch)] } : {}) }));
  return m;
}

/** Writes `dir/model.json` and `dir/weights.bin` (the TF.js Layers format) for a trained network. */
export async function saveTfjsModel(t: Trainable, dir: string): Promise<void> {
  const model = layersModel(t.arch, "linear");
  model.setWeights(t.weights.flatMap((w, i) => [tf.tensor(w, model.getWeights()[2 * i]!.shape), tf.tensor1d(t.biases[i]!)]));
  await writeLayersModel(model, dir);
  model.dispose();
}

/** `model.save` into `dir/model.json` + `dir/weights.bin`, as tensorflowjs_converter lays them out. */
export async function writeLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData instanceof ArrayBuffer ? a.weightData : tf.io.CompositeArrayBuffer.join(a.weightData);
      writeFileAtomic(join(dir, "weights.bin"), new Uint8Array(data ?? new ArrayBuffer(0)));
      const json = {
        format: a.format ?? "layers-model",
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs ?? [] }],
      };
      writeFileAtomic(join(dir, "model.json"), JSON.stringify(json) + "\n");
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
}

interface LayerConfig {
  name?: string;
  activation?: string;
  useBias?: boolean;
  kernelSize?: number | number[];
  strides?: number | number[];
  padding?: string;
  dilationRate?: number | number[];
  dataFormat?: string;
  poolSize?: number | number[];
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

const pair = (v: number | number[] | undefined, dflt: number): [number, number] => (v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : [v[0]!, v[1] ?? v[0]!]);

/** Loads a TF.js Layers model.json (weights from the shards its manifest names, beside it). */
async function loadLayers(path: string): Promise<tfl.LayersModel> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as tf.io.ModelJSON;
  } catch (err) {
    throw new TritforgeError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message.split("\n")[0]}`);
  }
  if (typeof json !== "object" || json === null || !json.modelTopology || !Array.isArray(json.weightsManifest)) throw new TritforgeError(`${path}: not a TF.js Layers model (no modelTopology or weightsManifest)`);
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const parts = manifest.flatMap((g) =>
          g.paths.map((p) => {
            const file = join(dirname(path), p);
            try {
              const b = readFileSync(file);
              return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
            } catch (err) {
              throw new TritforgeError(`${path}: cannot read weight file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
            }
          }),
        );
        return [specs, tf.io.CompositeArrayBuffer.join(parts)];
      }),
  };
  try {
    return await tfl.loadLayersModel(handler);
  } catch (err) {
    if (err instanceof TritforgeError) throw err;
    const msg = (err as Error).message.split("\n")[0]!;
    const unknown = /Unknown layer: (\w+)/.exec(msg);
    if (unknown) throw new TritforgeError(`${path}: layer ${unknown[1]} is not supported; supported: ${TFJS_LAYERS.join(", ")}`);
    throw new TritforgeError(`${path}: TF.js cannot load the model: ${msg}`);
  }
}

export async function readTfjsModel(path: string): Promise<FloatNetwork> {
  const model = await loadLayers(path);
  try {
    const inShape = model.inputs[0]!.shape.slice(1);
    if (model.inputs.length !== 1 || !(inShape.length === 1 || inShape.length === 3) || inShape.some((d) => d === null || d < 1))
      throw new TritforgeError(`${path}: the model must have one input of [features] or [height, width, channels], got [${inShape.join(", ")}]`);
    const input = inShape as number[];
    let shape = [...input];
    const ops: FloatOp[] = [];
    const layers = model.layers;
    layers.forEach((layer, idx) => {
      const cls = layer.getClassName();
      const cfg = layer.getConfig() as LayerConfig;
      const where = `${path}: layer "${layer.name}" (${cls})`;
      const fail = (why: string): never => {
        throw new TritforgeError(`${where}: ${why}`);
      };
      const last = idx === layers.length - 1;
      const activation = (): void => {
        const a = cfg.activation ?? "linear";
        if (a === "relu") ops.push({ kind: "relu", node: layer.name });
        else if (a === "softmax" && last) return;
        else if (a !== "linear") fail(`activation ${a} is not supported (relu, linear; softmax on the last layer)`);
      };
      const weights = (): Float32Array[] => layer.getWeights().map((w) => w.dataSync() as Float32Array);
      switch (cls) {
        case "InputLayer":
        case "Dropout":
          break;
        case "Dense": {
          if (shape.length !== 1) fail("a dense layer needs a flat input (Flatten first)");
          const [kernel, bias] = weights();
          const nIn = shape[0]!;
          const nOut = kernel!.length / nIn;
          const w = new Float32Array(kernel!.length);
          for (let j = 0; j < nIn; j++) for (let o = 0; o < nOut; o++) w[o * nIn + j] = kernel![j * nOut + o]!;
          ops.push({ kind: "dense", inFeatures: nIn, outFeatures: nOut, weights: w, bias: bias ? Float32Array.from(bias) : new Float32Array(nOut) });
          shape = [nOut];
          activation();
          break;
        }
        case "Conv2D": {
          if (shape.length !== 3) fail("a convolution needs an image input");
          const [kh, kw] = pair(cfg.kernelSize, 1);
          if (kh !== kw) fail(`kernel ${kh}x${kw} must be square`);
          if (pair(cfg.strides, 1).some((s) => s !== 1)) fail("only stride 1 is supported");
          if (pair(cfg.dilationRate, 1).some((s) => s !== 1)) fail("only dilation 1 is supported");
          if ((cfg.dataFormat ?? "channelsLast") !== "channelsLast") fail("only channels-last data is supported");
          if (cfg.padding === "same" && kh % 2 === 0) fail("same padding with an even kernel is asymmetric");
          const pad = cfg.padding === "same" ? (kh - 1) / 2 : 0;
          const [kernel, bias] = weights();
          const ci = shape[2]!;
          const oc = kernel!.length / (kh * kh * ci);
          const w = new Float32Array(kernel!.length);
          for (let y = 0; y < kh; y++) for (let x = 0; x < kh; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < oc; o++) w[((o * kh + y) * kh + x) * ci + i] = kernel![((y * kh + x) * ci + i) * oc + o]!;
          ops.push({ kind: "conv2d", inChannels: ci, outChannels: oc, kernel: kh, padding: pad, weights: w, bias: bias ? Float32Array.from(bias) : new Float32Array(oc) });
          shape = [shape[0]! + 2 * pad - kh + 1, shape[1]! + 2 * pad - kh + 1, oc];
          activation();
          break;
        }
        case "MaxPooling2D": {
          if (shape.length !== 3) fail("max-pooling needs an image input");
          const [k, k2] = pair(cfg.poolSize, 2);
          const [s, s2] = pair(cfg.strides ?? cfg.poolSize, 2);
          if (k !== k2 || s !== s2) fail("pool size and strides must be square");
          if ((cfg.padding ?? "valid") !== "valid") fail("only valid (unpadded) pooling is supported");
          ops.push({ kind: "maxpool", size: k, stride: s });
          shape = [Math.floor((shape[0]! - k) / s) + 1, Math.floor((shape[1]! - k) / s) + 1, shape[2]!];
          break;
        }
        case "Flatten":
          if (shape.length === 3) ops.push({ kind: "flatten" });
          shape = [shape.reduce((a, b) => a * b, 1)];
          break;
        case "ReLU":
          if ((cfg.maxValue ?? null) !== null || (cfg.negativeSlope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) fail("only a plain ReLU (no max value, slope or threshold) is supported");
          ops.push({ kind: "relu", node: layer.name });
          break;
        case "Activation":
          activation();
          break;
        default:
          throw new TritforgeError(`${path}: layer ${cls} (layer "${layer.name}") is not supported; supported: ${TFJS_LAYERS.join(", ")}`);
      }
    });
    return { input, ops };
  } finally {
    model.dispose();
  }
}
