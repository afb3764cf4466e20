/**
 * A float network as an ONNX graph in the form PyTorch's exporter writes: NCHW float input
 * ([N, C, H, W] for image networks, [N, features] for FFDNNs, real values pixel / 255), Conv
 * (OIHW weights), Relu, MaxPool, Flatten (in CHW order, so the first dense layer's columns are
 * permuted from tritforge's HWC order) and Gemm (transB = 1, weights [out, in]); output "logits".
 */
import type { FloatNetwork } from "../import/network.js";
import { DataType, IR_VERSION, OPSET, encodeModel, floatTensor, intAttr, intsAttr, valueInfo, type OnnxNode, type OnnxTensor } from "./proto.js";

/** HWC index (h W + w) C + c of a flattened [h, w, c] tensor -> its CHW index c H W + h W + w. */
export function hwcToChw(shape: [number, number, number]): Int32Array {
  const [h, w, c] = shape;
  const map = new Int32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) map[(y * w + x) * c + ch] = (ch * h + y) * w + x;
  return map;
}

export function floatOnnx(net: FloatNetwork, name: string): Uint8Array {
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  let cur = "input";
  let shape = [...net.input];
  /** Set after a Flatten of an image: the CHW position of each HWC feature. */
  let flatOrder: Int32Array | null = null;
  let count = 0;
  const op = (opType: string, inputs: string[], attribute?: OnnxNode["attribute"]): string => {
    const out = `${opType.toLowerCase()}${count++}`;
    nodes.push({ name: out, opType, input: inputs, output: [out], ...(attribute ? { attribute } : {}) });
    return out;
  };
  for (const l of net.ops) {
    switch (l.kind) {
      case "relu":
        cur = op("Relu", [cur]);
        break;
      case "maxpool": {
        cur = op("MaxPool", [cur], [intsAttr("kernel_shape", [l.size, l.size]), intsAttr("strides", [l.stride, l.stride])]);
        const [h, w, c] = shape as [number, number, number];
        shape = [Math.floor((h - l.size) / l.stride) + 1, Math.floor((w - l.size) / l.stride) + 1, c];
        break;
      }
      case "flatten":
        if (shape.length === 3) flatOrder = hwcToChw(shape as [number, number, number]);
        cur = op("Flatten", [cur], [intAttr("axis", 1)]);
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case "conv2d": {
        const { kernel: k, inChannels: ci, outChannels: oc, padding: p } = l;
        const w = new Float32Array(l.weights.length);
        for (let o = 0; o < oc; o++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let i = 0; i < ci; i++) w[((o * ci + i) * k + y) * k + x] = l.weights[((o * k + y) * k + x) * ci + i]!;
        const id = `conv${count}`;
        inits.push(floatTensor(`${id}.weight`, [oc, ci, k, k], w), floatTensor(`${id}.bias`, [oc], l.bias));
        cur = op("Conv", [cur, `${id}.weight`, `${id}.bias`], [intsAttr("kernel_shape", [k, k]), intsAttr("pads", [p, p, p, p]), intsAttr("strides", [1, 1])]);
        const [h, wd] = shape as [number, number, number];
        shape = [h + 2 * p - k + 1, wd + 2 * p - k + 1, oc];
        break;
      }
      case "dense": {
        let w = l.weights;
        if (flatOrder) {
          const order = flatOrder;
          w = new Float32Array(l.weights.length);
          for (let o = 0; o < l.outFeatures; o++) for (let j = 0; j < l.inFeatures; j++) w[o * l.inFeatures + order[j]!] = l.weights[o * l.inFeatures + j]!;
          flatOrder = null;
        }
        const id = `fc${count}`;
        inits.push(floatTensor(`${id}.weight`, [l.outFeatures, l.inFeatures], w), floatTensor(`${id}.bias`, [l.outFeatures], l.bias));
        cur = op("Gemm", [cur, `${id}.weight`, `${id}.bias`], [intAttr("transB", 1)]);
        shape = [l.outFeatures];
        break;
      }
    }
  }
  nodes.push({ name: "output", opType: "Identity", input: [cur], output: ["logits"] });
  const inputDims = net.input.length === 3 ? [net.input[2]!, net.input[0]!, net.input[1]!] : net.input;
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: "tritforge",
    docString: `${name}: float network, input real values pixel / 255`,
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name,
      node: nodes,
      initializer: inits,
      input: [valueInfo("input", DataType.FLOAT, ["N", ...inputDims])],
      output: [valueInfo("logits", DataType.FLOAT, ["N", shape.reduce((a, b) => a * b, 1)])],
    },
  });
}
