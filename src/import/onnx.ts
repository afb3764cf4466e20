/**
 * Reads a float ONNX classifier (as PyTorch or Keras exporters write it) into a FloatNetwork:
 * Gemm, MatMul (+ Add), Relu, Conv, MaxPool, Flatten, Reshape (to [N, features]), Identity and
 * Dropout, in one chain from the single input ([N, C, H, W] or [N, features]) to the output.
 * NCHW tensors become tritforge's HWC layout: convolution weights are reordered and the dense
 * layer after a Flatten of an image has its columns permuted from CHW to HWC order. Any other
 * operator is refused with one line naming it and its node.
 */
import { readFileSync } from "node:fs";
import type { FloatLayer } from "../quant/export.js";
import { hwcToChw } from "../onnx/export-float.js";
import { decodeModel, tensorValues, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "../onnx/proto.js";
import { TritforgeError } from "../util/errors.js";
import type { FloatNetwork, FloatOp } from "./network.js";

export const ONNX_OPS = ["Gemm", "MatMul", "Add", "Relu", "Conv", "MaxPool", "Flatten", "Reshape", "Identity", "Dropout"] as const;

const attr = (n: OnnxNode, name: string): OnnxAttribute | undefined => n.attribute?.find((a) => a.name === name);
const attrInt = (n: OnnxNode, name: string, dflt: number): number => attr(n, name)?.i ?? dflt;
const attrInts = (n: OnnxNode, name: string): number[] | undefined => attr(n, name)?.ints;
const attrStr = (n: OnnxNode, name: string): string => new TextDecoder().decode(attr(n, name)?.s ?? new Uint8Array());

export function readOnnxFile(path: string): FloatNetwork {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new TritforgeError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return importOnnx(buf, path);
}

export function importOnnx(buf: Uint8Array, source: string): FloatNetwork {
  const model = decodeModel(buf, source);
  const graph = model.graph!;
  const inits = new Map<string, OnnxTensor>((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name));
  if (inputs.length !== 1) throw new TritforgeError(`${source}: the graph has ${inputs.length} inputs besides its weights; tritforge imports single-input classifiers`);
  const dims = (inputs[0]!.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimValue ?? 0);
  if (!(dims.length === 2 || dims.length === 4) || dims.slice(1).some((d) => d < 1))
    throw new TritforgeError(`${source}: input "${inputs[0]!.name}" must be [N, features] or [N, C, H, W] with fixed sizes, got [${dims.join(", ")}]`);
  const input = dims.length === 4 ? [dims[2]!, dims[3]!, dims[1]!] : [dims[1]!];
  let shape = [...input];
  let cur = inputs[0]!.name;
  let chwOrder: Int32Array | null = null;
  const ops: FloatOp[] = [];
  const nodes = graph.node ?? [];
  const nodeName = (n: OnnxNode, i: number): string => n.name || `#${i} (output ${n.output[0] ?? "?"})`;
  nodes.forEach((n, idx) => {
    const where = `${source}: node "${nodeName(n, idx)}" (${n.opType})`;
    const fail = (why: string): never => {
      throw new TritforgeError(`${where}: ${why}`);
    };
    const data = n.input.filter((x) => x !== "" && !inits.has(x));
    if (!(ONNX_OPS as readonly string[]).includes(n.opType) || (n.domain ?? "") !== "")
      throw new TritforgeError(`${source}: operator ${n.domain ? `${n.domain}.` : ""}${n.opType} (node "${nodeName(n, idx)}") is not supported; supported: ${ONNX_OPS.join(", ")}`);
    if (data.length !== 1 || data[0] !== cur) fail(`tritforge imports a single chain of layers; this node reads ${data.join(", ") || "no tensor"} instead of ${cur}`);
    const weight = (i: number): { t: OnnxTensor; v: Float64Array } | null => {
      const name = n.input[i];
      if (name === undefined || name === "") return null;
      const t = inits.get(name);
      if (!t) return fail(`input ${i} (${name}) must be a constant initializer`);
      return { t, v: tensorValues(t, where) };
    };
    switch (n.opType) {
      case "Identity":
      case "Dropout":
        break;
      case "Relu":
        ops.push({ kind: "relu", node: nodeName(n, idx) });
        break;
      case "Conv": {
        if (shape.length !== 3) fail("a convolution needs an image input");
        const w = weight(1)!;
        const [oc, ci, kh, kw] = w.t.dims ?? [];
        const k = attrInts(n, "kernel_shape") ?? [kh!, kw!];
        if (kh !== kw || k[0] !== k[1] || k[0] !== kh) fail(`kernel [${k.join(", ")}] must be square`);
        if (ci !== shape[2]) fail(`weights expect ${ci} input channels, the tensor has ${shape[2]}`);
        if ((attrInts(n, "strides") ?? [1, 1]).some((s) => s !== 1)) fail("only stride 1 is supported");
        if ((attrInts(n, "dilations") ?? [1, 1]).some((s) => s !== 1)) fail("only dilation 1 is supported");
        if (attrInt(n, "group", 1) !== 1) fail("grouped convolutions are not supported");
        const autoPad = attrStr(n, "auto_pad") || "NOTSET";
        let pad: number;
        if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
          if (kh! % 2 === 0) fail("SAME padding with an even kernel is asymmetric");
          pad = (kh! - 1) / 2;
        } else if (autoPad === "VALID") pad = 0;
        else {
          const pads = attrInts(n, "pads") ?? [0, 0, 0, 0];
          if (pads.some((p) => p !== pads[0])) fail(`pads [${pads.join(", ")}] must be equal on every side`);
          pad = pads[0]!;
        }
        const b = weight(2);
        const wt = new Float32Array(w.v.length);
        for (let o = 0; o < oc!; o++) for (let i = 0; i < ci!; i++) for (let y = 0; y < kh!; y++) for (let x = 0; x < kh!; x++) wt[((o * kh! + y) * kh! + x) * ci! + i] = w.v[((o * ci! + i) * kh! + y) * kh! + x]!;
        ops.push({ kind: "conv2d", inChannels: ci!, outChannels: oc!, kernel: kh!, padding: pad, weights: wt, bias: b ? Float32Array.from(b.v) : new Float32Array(oc!) });
        shape = [shape[0]! + 2 * pad - kh! + 1, shape[1]! + 2 * pad - kh! + 1, oc!];
        break;
      }
      case "MaxPool": {
        if (shape.length !== 3) fail("max-pooling needs an image input");
        const k = attrInts(n, "kernel_shape") ?? [];
        const s = attrInts(n, "strides") ?? [1, 1];
        if (k.length !== 2 || k[0] !== k[1] || s[0] !== s[1]) fail(`kernel [${k.join(", ")}] and strides [${s.join(", ")}] must be square`);
        if ((attrInts(n, "pads") ?? []).some((p) => p !== 0) || attrInt(n, "ceil_mode", 0) !== 0 || !["", "NOTSET", "VALID"].includes(attrStr(n, "auto_pad")))
          fail("only unpadded max-pooling (floor mode) is supported");
        ops.push({ kind: "maxpool", size: k[0]!, stride: s[0]! });
        shape = [Math.floor((shape[0]! - k[0]!) / s[0]!) + 1, Math.floor((shape[1]! - k[0]!) / s[0]!) + 1, shape[2]!];
        break;
      }
      case "Flatten":
      case "Reshape": {
        const size = shape.reduce((a, b) => a * b, 1);
        if (n.opType === "Flatten" && attrInt(n, "axis", 1) !== 1) fail("only axis 1 is supported");
        if (n.opType === "Reshape") {
          const target = weight(1)!.v;
          if (target.length !== 2 || !(target[1] === -1 || target[1] === size) || !(target[0] === -1 || target[0] === 0 || target[0]! >= 1))
            fail(`only a reshape to [N, ${size}] is supported, got [${Array.from(target).join(", ")}]`);
        }
        if (shape.length === 3) {
          chwOrder = hwcToChw(shape as [number, number, number]);
          ops.push({ kind: "flatten" });
        }
        shape = [size];
        break;
      }
      case "Gemm":
      case "MatMul": {
        if (shape.length !== 1) fail("a dense layer needs a flat input (Flatten first)");
        if (n.opType === "Gemm" && (attr(n, "alpha")?.f ?? 1) !== 1) fail("alpha must be 1");
        if (n.opType === "Gemm" && (attr(n, "beta")?.f ?? 1) !== 1) fail("beta must be 1");
        if (attrInt(n, "transA", 0) !== 0) fail("transA must be 0");
        const w = weight(1)!;
        const transB = n.opType === "Gemm" && attrInt(n, "transB", 0) === 1;
        const [d0, d1] = w.t.dims ?? [];
        const [nIn, nOut] = transB ? [d1!, d0!] : [d0!, d1!];
        if ((w.t.dims ?? []).length !== 2 || nIn !== shape[0]) fail(`weights [${(w.t.dims ?? []).join(", ")}] do not fit the ${shape[0]} inputs`);
        const wt = new Float32Array(nIn * nOut);
        for (let o = 0; o < nOut; o++)
          for (let j = 0; j < nIn; j++) wt[o * nIn + j] = w.v[transB ? o * nIn + (chwOrder ? chwOrder[j]! : j) : (chwOrder ? chwOrder[j]! : j) * nOut + o]!;
        chwOrder = null;
        const b = n.opType === "Gemm" ? weight(2) : null;
        if (b && b.v.length !== nOut) fail(`bias of ${b.v.length} values for ${nOut} outputs (broadcasting is not supported)`);
        ops.push({ kind: "dense", inFeatures: nIn, outFeatures: nOut, weights: wt, bias: b ? Float32Array.from(b.v) : new Float32Array(nOut) });
        shape = [nOut];
        break;
      }
      case "Add": {
        const last = ops[ops.length - 1];
        const b = n.input.map((x) => inits.get(x)).find((t) => t !== undefined);
        if (last?.kind !== "dense" || !b) fail("only a constant bias added right after MatMul or Gemm is supported");
        const dense = last as Extract<FloatLayer, { kind: "dense" }>;
        const v = tensorValues(b!, where);
        if (v.length !== dense.outFeatures) fail(`bias of ${v.length} values for ${dense.outFeatures} outputs`);
        dense.bias = Float32Array.from(dense.bias, (x, i) => x + v[i]!);
        break;
      }
    }
    cur = n.output[0] ?? "";
  });
  const outputs = graph.output ?? [];
  if (outputs.length !== 1 || outputs[0]!.name !== cur) throw new TritforgeError(`${source}: the graph output must be the end of the layer chain (${cur})`);
  return { input, ops };
}
