/**
 * Lowering: IR network -> matrix-vector stages over windows (types.ts). Pure; no architecture
 * decisions: an architecture's plan refuses what it cannot build from the lowered form.
 */
import { analyze, isWeightInfo, type Shape, type WeightLayerInfo } from "../../ir/analyze.js";
import type { Network } from "../../ir/schema.js";
import type { LoweredStage, Lowering, MapShape } from "./types.js";
import { mapSize } from "./types.js";

/** An IR shape as a map: [h, w, c] as is, a flat [n] as 1 x 1 x n. */
const asMap = (s: Shape): MapShape =>
  s.length === 3 ? { height: s[0]!, width: s[1]!, channels: s[2]! } : { height: 1, width: 1, channels: s.reduce((a, b) => a * b, 1) };

function stageOf(info: WeightLayerInfo, index: number, folded: number[]): LoweredStage {
  const layer = info.layer;
  const input = asMap(info.inShape);
  const conv = layer.kind === "conv2d";
  const out = asMap(info.outShape);
  const window = conv
    ? { input, kernel: layer.kernel, padding: layer.padding, outHeight: out.height, outWidth: out.width }
    : { input: { height: 1, width: 1, channels: layer.inFeatures }, kernel: 1, padding: 0, outHeight: 1, outWidth: 1 };
  return {
    index,
    layerIndex: info.index,
    name: layer.name,
    source: layer.kind,
    layers: [...folded, info.index],
    window,
    fanIn: info.fanIn,
    outChannels: conv ? layer.outChannels : layer.outFeatures,
    pixels: window.outHeight * window.outWidth,
    weights: layer.weights,
    bias: layer.bias,
    levels: layer.levels,
    output: layer.output,
    inBits: info.inBits,
    accBits: info.accBits,
    pool: null,
    outMap: out,
  };
}

/**
 * Lowers a valid network. Refuses (one line naming the layer) a maxpool that does not directly
 * follow a conv2d layer: pooling is attached to the layer that feeds it, so pooling the input
 * image or pooling twice in a row has no stage to attach to.
 */
export function lowerNetwork(net: Network): Lowering {
  const stages: LoweredStage[] = [];
  let folded: number[] = [];
  let previous: LoweredStage | null = null; // the stage the IR layer just before this one produced
  for (const info of analyze(net)) {
    const layer = info.layer;
    if (isWeightInfo(info)) {
      previous = stageOf(info, stages.length, folded);
      stages.push(previous);
      folded = [];
    } else if (layer.kind === "flatten") {
      folded.push(info.index);
      previous = null;
    } else if (layer.kind === "maxpool") {
      if (!previous || previous.source !== "conv2d" || previous.pool)
        return { ok: false, refusal: `layer ${info.index} ("${layer.name}"): a maxpool must directly follow a conv2d layer (pooling is attached to the layer that feeds it)` };
      const out = asMap(info.outShape);
      previous.pool = { layerIndex: info.index, name: layer.name, size: layer.size, stride: layer.stride, outHeight: out.height, outWidth: out.width };
      previous.layers.push(info.index);
      previous.outMap = out;
    }
  }
  const last = stages[stages.length - 1]!;
  return {
    ok: true,
    network: { name: net.name, input: asMap(net.input.shape), inputBits: net.input.bits, stages, classes: mapSize(last.outMap) },
  };
}
