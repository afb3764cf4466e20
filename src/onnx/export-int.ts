/**
 * The quantized IR as a standard ONNX graph that computes the numeric contract exactly, with
 * integer tensors and operators ONNX Runtime's CPU provider implements (opset 17):
 *
 *   input uint8 [N, ...input.shape] (HWC images; Transpose to NCHW before the first convolution)
 *   dense   MatMulInteger(x uint8, W int8 [in, out]) -> int32 -> Cast int64 -> Add bias (int64)
 *   conv2d  ConvInteger(x uint8 NCHW, W int8 [out, in, k, k], pads, stride 1) -> int32 -> Cast int64 -> Add bias
 *   requant Mul m -> Add 2^(sh-1) -> Clip(min 0) -> Div 2^sh -> Clip(0, 2^B - 1) -> Cast uint8   (all int64)
 *   maxpool MaxPool (uint8, NCHW)
 *   flatten Transpose NCHW -> NHWC, Flatten (the IR flattens in HWC order)
 *   output  "logits" int64 [N, classes]: the last layer's accumulators
 *
 * Why it is exact: products and sums of the integer kernels are integers bounded by the layer's
 * worst-case accumulator (checked below to fit int32); requantization runs in int64, where
 * acc * m + 2^(sh-1) < 2^52 (IR validation). ONNX integer Div truncates toward zero while the
 * contract's shift is a floor; the two differ only for negative numerators, and clamping the
 * numerator at 0 first changes no result because every negative numerator floors to a negative
 * value that the contract clamps to 0 anyway. Weights of M <= 255 levels (|q| <= 127) fit int8;
 * signals must be at most 8 bits (the integer kernels read uint8), which every tritforge trainer
 * default meets; wider signals are refused with one line.
 */
import { analyze, isWeightInfo, type LayerInfo } from "../ir/analyze.js";
import type { Conv2dLayer, DenseLayer, Network } from "../ir/schema.js";
import { TritforgeError } from "../util/errors.js";
import {
  DataType,
  IR_VERSION,
  OPSET,
  encodeModel,
  int64Tensor,
  int8Tensor,
  intAttr,
  intsAttr,
  valueInfo,
  type OnnxNode,
  type OnnxTensor,
} from "./proto.js";

export const INPUT_NAME = "input";
export const OUTPUT_NAME = "logits";
const INT32_MAX = 2 ** 31 - 1;

type Layout = "flat" | "nhwc" | "nchw";

/** Builds the graph node by node, naming every intermediate tensor after its layer. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];

  op(opType: string, name: string, inputs: string[], attribute: OnnxNode["attribute"] = []): string {
    const out = name;
    this.nodes.push({ name, opType, input: inputs, output: [out], ...(attribute.length ? { attribute } : {}) });
    return out;
  }

  constInt64(name: string, value: number): string {
    this.initializers.push(int64Tensor(name, [], [value]));
    return name;
  }
}

/** Weights [out][in] -> int8 [in][out] (MatMulInteger's B). */
function denseWeights(l: DenseLayer): Int8Array {
  const t = new Int8Array(l.weights.length);
  for (let o = 0; o < l.outFeatures; o++) for (let j = 0; j < l.inFeatures; j++) t[j * l.outFeatures + o] = l.weights[o * l.inFeatures + j]!;
  return t;
}

/** Weights [out][kh][kw][in] -> int8 [out][in][kh][kw] (ONNX OIHW). */
function convWeights(l: Conv2dLayer): Int8Array {
  const { outChannels: oc, inChannels: c, kernel: k } = l;
  const t = new Int8Array(l.weights.length);
  for (let o = 0; o < oc; o++)
    for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let ci = 0; ci < c; ci++) t[((o * c + ci) * k + y) * k + x] = l.weights[((o * k + y) * k + x) * c + ci]!;
  return t;
}

function checkExportable(net: Network, infos: LayerInfo[]): void {
  const fail = (msg: string): never => {
    throw new TritforgeError(`ONNX export of ${net.name}: ${msg}`);
  };
  if (net.input.bits > 8) fail(`input has ${net.input.bits} bits; the integer ONNX kernels read uint8 (at most 8 bits)`);
  for (const info of infos) {
    if (!isWeightInfo(info)) continue;
    const l = info.layer;
    if (l.output.kind === "requant" && l.output.bits > 8) fail(`${l.name} outputs ${l.output.bits}-bit signals; the integer ONNX kernels read uint8 (at most 8 bits)`);
    if (info.k > 127) fail(`${l.name} has ${l.levels} levels; int8 weights hold at most 255`);
    if (info.accMax - Math.max(...l.bias.map(Math.abs), 0) > INT32_MAX) fail(`${l.name}'s worst-case sum of products exceeds int32`);
  }
}

/** The ONNX model (serialized ModelProto) computing the network's logits exactly. */
export function integerOnnx(net: Network): Uint8Array {
  const infos = analyze(net);
  checkExportable(net, infos);
  const g = new GraphBuilder();
  let cur = INPUT_NAME;
  let layout: Layout = net.input.shape.length === 3 ? "nhwc" : "flat";
  const toNchw = (name: string): void => {
    if (layout === "nhwc") cur = g.op("Transpose", `${name}/to_nchw`, [cur], [intsAttr("perm", [0, 3, 1, 2])]);
    layout = "nchw";
  };
  const toFlat = (name: string): void => {
    if (layout === "flat") return;
    if (layout === "nchw") cur = g.op("Transpose", `${name}/to_nhwc`, [cur], [intsAttr("perm", [0, 2, 3, 1])]);
    cur = g.op("Flatten", `${name}/flatten`, [cur], [intAttr("axis", 1)]);
    layout = "flat";
  };
  const zero = g.constInt64("zero", 0);
  for (const info of infos) {
    const l = info.layer;
    switch (l.kind) {
      case "flatten":
        toFlat(l.name);
        break;
      case "maxpool":
        toNchw(l.name);
        cur = g.op("MaxPool", `${l.name}/maxpool`, [cur], [intsAttr("kernel_shape", [l.size, l.size]), intsAttr("strides", [l.stride, l.stride])]);
        break;
      case "dense":
      case "conv2d": {
        let acc32: string;
        let biasDims: number[];
        if (l.kind === "dense") {
          g.initializers.push(int8Tensor(`${l.name}.weight`, [l.inFeatures, l.outFeatures], denseWeights(l)));
          acc32 = g.op("MatMulInteger", `${l.name}/matmul`, [cur, `${l.name}.weight`]);
          biasDims = [l.outFeatures];
        } else {
          toNchw(l.name);
          g.initializers.push(int8Tensor(`${l.name}.weight`, [l.outChannels, l.inChannels, l.kernel, l.kernel], convWeights(l)));
          const p = l.padding;
          acc32 = g.op("ConvInteger", `${l.name}/conv`, [cur, `${l.name}.weight`], [intsAttr("kernel_shape", [l.kernel, l.kernel]), intsAttr("pads", [p, p, p, p]), intsAttr("strides", [1, 1])]);
          biasDims = [1, l.outChannels, 1, 1];
        }
        g.initializers.push(int64Tensor(`${l.name}.bias`, biasDims, l.bias));
        const acc64 = g.op("Cast", `${l.name}/acc_int64`, [acc32], [intAttr("to", DataType.INT64)]);
        const acc = g.op("Add", `${l.name}/acc`, [acc64, `${l.name}.bias`]);
        if (l.output.kind === "logits") {
          cur = acc;
          break;
        }
        const { multiplier, shift, bits } = l.output;
        const scaled = g.op("Mul", `${l.name}/requant_mul`, [acc, g.constInt64(`${l.name}.multiplier`, multiplier)]);
        const rounded = g.op("Add", `${l.name}/requant_round`, [scaled, g.constInt64(`${l.name}.round`, shift > 0 ? 2 ** (shift - 1) : 0)]);
        const nonNegative = g.op("Clip", `${l.name}/requant_nonneg`, [rounded, zero]);
        const shifted = g.op("Div", `${l.name}/requant_shift`, [nonNegative, g.constInt64(`${l.name}.divisor`, 2 ** shift)]);
        const clamped = g.op("Clip", `${l.name}/requant_clip`, [shifted, zero, g.constInt64(`${l.name}.max`, 2 ** bits - 1)]);
        cur = g.op("Cast", `${l.name}/out`, [clamped], [intAttr("to", DataType.UINT8)]);
        break;
      }
    }
  }
  toFlat("logits");
  g.nodes.push({ name: "logits/identity", opType: "Identity", input: [cur], output: [OUTPUT_NAME] });
  const classes = (infos[infos.length - 1]!.outShape as number[]).reduce((a, b) => a * b, 1);
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: "tritforge",
    docString: `${net.name}: the tritforge integer network (numeric contract, bit-exact); input uint8 [N, ${net.input.shape.join(", ")}] (real value x * ${net.input.scale}), output int64 logits`,
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: net.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(INPUT_NAME, DataType.UINT8, ["N", ...net.input.shape])],
      output: [valueInfo(OUTPUT_NAME, DataType.INT64, ["N", classes])],
    },
  });
}
