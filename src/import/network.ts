/**
 * The float network an importer produces (layouts of src/quant/export.ts: HWC activations, dense
 * weights [out][in], conv weights [out][kh][kw][in], flatten in HWC order, plus explicit ReLUs),
 * and its conversion to and from what the trainer holds (an Architecture and its parameters in
 * TF.js layouts: dense [in][out], conv [kh][kw][in][out]).
 *
 * tritforge's quantized networks put a ReLU (the requantization clamp) after every hidden weight
 * layer and none after the last one; its trainer builds FFDNNs and CNNs of 3x3 "same"
 * convolutions each followed by 2x2 max-pooling. An imported network must have that form; any
 * other structure is refused with one line.
 */
import type { FloatLayer } from "../quant/export.js";
import { paramShapes, type Architecture } from "../train/arch.js";
import { TritforgeError } from "../util/errors.js";

export type FloatOp = FloatLayer | { kind: "relu"; node: string };

export interface FloatNetwork {
  /** [features] or [height, width, channels]. */
  input: number[];
  ops: FloatOp[];
}

export interface Trainable {
  arch: Architecture;
  weights: Float32Array[];
  biases: Float32Array[];
}

const describe = (op: FloatOp): string =>
  op.kind === "conv2d" ? `conv ${op.kernel}x${op.kernel} pad ${op.padding}` : op.kind === "maxpool" ? `maxpool ${op.size}/${op.stride}` : op.kind === "dense" ? `dense ${op.inFeatures}->${op.outFeatures}` : op.kind;

/** The Architecture and TF.js-layout parameters of an imported network, or a one-line refusal. */
export function toTrainable(net: FloatNetwork, source: string): Trainable {
  const ops = net.ops;
  const structure = ops.map(describe).join(", ");
  const refuse = (why: string): never => {
    throw new TritforgeError(`${source}: ${why} (network: ${structure}); tritforge trains FFDNNs (dense+ReLU ... dense) and CNNs of 3x3 same convolutions each with ReLU and 2x2 max-pooling, then flatten and dense layers`);
  };
  const conv: number[] = [];
  const dense: number[] = [];
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let i = 0;
  const relu = (): boolean => ops[i]?.kind === "relu" && (i++, true);
  while (ops[i]?.kind === "conv2d") {
    const c = ops[i++] as Extract<FloatLayer, { kind: "conv2d" }>;
    if (c.kernel !== 3 || c.padding !== 1) refuse(`convolution ${conv.length} is ${c.kernel}x${c.kernel} with padding ${c.padding}, not 3x3 "same"`);
    const reluFirst = relu();
    const pool = ops[i];
    if (pool?.kind !== "maxpool" || pool.size !== 2 || pool.stride !== 2) refuse(`convolution ${conv.length} is not followed by 2x2 max-pooling`);
    i++;
    if (!reluFirst && !relu()) refuse(`convolution ${conv.length} has no ReLU`);
    conv.push(c.outChannels);
    weights.push(convToTf(c));
    biases.push(Float32Array.from(c.bias));
  }
  if (ops[i]?.kind === "flatten") i++;
  else if (conv.length) refuse("the convolutions are not followed by a flatten");
  while (ops[i]?.kind === "dense") {
    const d = ops[i++] as Extract<FloatLayer, { kind: "dense" }>;
    weights.push(denseToTf(d));
    biases.push(Float32Array.from(d.bias));
    if (i === ops.length) break;
    if (!relu()) refuse(`dense layer ${dense.length} is neither the last layer nor followed by a ReLU`);
    dense.push(d.outFeatures);
  }
  if (i !== ops.length || weights.length === 0 || ops[ops.length - 1]!.kind !== "dense") refuse("it does not end in a dense (logits) layer after the supported layers");
  const arch: Architecture = conv.length ? { kind: "cnn", conv, dense } : { kind: "ffdnn", hidden: dense };
  if (!conv.length && !dense.length) refuse("a single dense layer has no hidden layer to quantize signals of");
  return { arch, weights, biases };
}

/** The imported network's weights must fit the architecture on `input` images: checked against paramShapes. */
export function checkShapes(t: Trainable, source: string): void {
  paramShapes(t.arch).forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (t.weights[i]!.length !== n || t.biases[i]!.length !== s.biasLength)
      throw new TritforgeError(`${source}: layer ${s.name} holds ${t.weights[i]!.length} weights and ${t.biases[i]!.length} biases; on ${(t.arch.input ?? [28, 28, 1]).join("x")} images it needs ${n} and ${s.biasLength}`);
  });
}

function denseToTf(d: Extract<FloatLayer, { kind: "dense" }>): Float32Array {
  const t = new Float32Array(d.weights.length);
  for (let o = 0; o < d.outFeatures; o++) for (let j = 0; j < d.inFeatures; j++) t[j * d.outFeatures + o] = d.weights[o * d.inFeatures + j]!;
  return t;
}

function convToTf(c: Extract<FloatLayer, { kind: "conv2d" }>): Float32Array {
  const { kernel: k, inChannels: ci, outChannels: oc } = c;
  const t = new Float32Array(c.weights.length);
  for (let o = 0; o < oc; o++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let i = 0; i < ci; i++) t[((y * k + x) * ci + i) * oc + o] = c.weights[((o * k + y) * k + x) * ci + i]!;
  return t;
}

/** The float network of a trained architecture: its layers with a ReLU after every hidden weight layer. */
export function fromLayers(input: number[], layers: FloatLayer[]): FloatNetwork {
  const lastWeight = layers.map((l) => l.kind === "dense" || l.kind === "conv2d").lastIndexOf(true);
  const ops: FloatOp[] = [];
  layers.forEach((l, i) => {
    ops.push(l);
    if ((l.kind === "dense" || l.kind === "conv2d") && i !== lastWeight) ops.push({ kind: "relu", node: `relu${i}` });
  });
  return { input, ops };
}
