/**
 * Shape and range analysis of a network: what each layer consumes and produces, and the
 * worst-case accumulator bound of every weight layer (numeric contract: |b| + K (2^B - 1) N_in).
 * Pure: reads the IR, returns numbers; `semanticIssues` lists every inconsistency by path.
 */
import type { Layer, Network, WeightLayer } from "./schema.js";

export type Shape = number[];

export interface LayerInfo {
  index: number;
  layer: Layer;
  inShape: Shape;
  outShape: Shape;
  /** Bits of the unsigned integer signal the layer reads. */
  inBits: number;
  /** Bits of the signal it produces (requantized or pooled); for a logits layer, its accumulator bits. */
  outBits: number;
}

export interface WeightLayerInfo extends LayerInfo {
  layer: WeightLayer;
  /** Largest weight magnitude K = (M - 1) / 2. */
  k: number;
  /** Inputs summed into one accumulator. */
  fanIn: number;
  /** Worst-case |accumulator|: max|b| + K (2^inBits - 1) fanIn. */
  accMax: number;
  /** Bits of a two's-complement register that holds every accumulator value. */
  accBits: number;
}

export const isWeightLayer = (l: Layer): l is WeightLayer => l.kind === "dense" || l.kind === "conv2d";
export const isWeightInfo = (i: LayerInfo): i is WeightLayerInfo => isWeightLayer(i.layer);

/** Bits of a two's-complement number holding every integer in [-max, max]. */
export function signedBits(max: number): number {
  let bits = 1;
  while (2 ** (bits - 1) - 1 < max) bits++;
  return bits;
}

/** Bits of an unsigned number holding every integer in [0, max]. */
export function unsignedBits(max: number): number {
  let bits = 1;
  while (2 ** bits - 1 < max) bits++;
  return bits;
}

export const weightBits = (levels: number): number => Math.ceil(Math.log2(levels));

const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Finds every semantic problem (shape chain, lengths, ranges, overflow bounds), each prefixed by its path. */
export function semanticIssues(net: Network): string[] {
  const issues: string[] = [];
  walk(net, issues);
  return issues;
}

/** Shape/range analysis of a network already known to be valid. */
export function analyze(net: Network): LayerInfo[] {
  const issues: string[] = [];
  const infos = walk(net, issues);
  if (issues.length) throw new Error(`analyze() on an invalid network: ${issues[0]}`);
  return infos;
}

export const weightInfos = (net: Network): WeightLayerInfo[] => analyze(net).filter(isWeightInfo);

function walk(net: Network, issues: string[]): LayerInfo[] {
  const infos: LayerInfo[] = [];
  let shape: Shape = [...net.input.shape];
  let bits = net.input.bits;
  if (shape.length === 2) issues.push(`input.shape: use [features] or [height, width, channels], got ${shape.length} dimensions`);
  net.layers.forEach((layer, i) => {
    const at = `layers[${i}]`;
    const last = i === net.layers.length - 1;
    const inShape = shape;
    let outShape: Shape = shape;
    let outBits = bits;
    const info: LayerInfo = { index: i, layer, inShape, outShape, inBits: bits, outBits };
    switch (layer.kind) {
      case "dense": {
        const n = prod(shape);
        if (shape.length !== 1) issues.push(`${at}: dense layer needs a flat input (add a flatten layer), got shape [${shape.join(", ")}]`);
        if (layer.inFeatures !== n) issues.push(`${at}.inFeatures: ${layer.inFeatures} does not match the ${n} values it receives`);
        outShape = [layer.outFeatures];
        checkWeights(layer, layer.outFeatures * layer.inFeatures, layer.outFeatures, at, issues);
        break;
      }
      case "conv2d": {
        if (shape.length !== 3) {
          issues.push(`${at}: conv2d needs an [height, width, channels] input, got shape [${shape.join(", ")}]`);
          outShape = [1, 1, layer.outChannels];
        } else {
          const [h, w, c] = shape as [number, number, number];
          if (layer.inChannels !== c) issues.push(`${at}.inChannels: ${layer.inChannels} does not match the ${c} channels it receives`);
          const oh = h + 2 * layer.padding - layer.kernel + 1;
          const ow = w + 2 * layer.padding - layer.kernel + 1;
          if (oh < 1 || ow < 1) issues.push(`${at}.kernel: ${layer.kernel} is larger than the padded ${h}x${w} input`);
          if (layer.padding >= layer.kernel) issues.push(`${at}.padding: ${layer.padding} must be smaller than the kernel (${layer.kernel})`);
          outShape = [Math.max(oh, 1), Math.max(ow, 1), layer.outChannels];
        }
        checkWeights(layer, layer.outChannels * layer.kernel * layer.kernel * layer.inChannels, layer.outChannels, at, issues);
        break;
      }
      case "maxpool": {
        if (shape.length !== 3) {
          issues.push(`${at}: maxpool needs an [height, width, channels] input, got shape [${shape.join(", ")}]`);
        } else {
          const [h, w, c] = shape as [number, number, number];
          const oh = Math.floor((h - layer.size) / layer.stride) + 1;
          const ow = Math.floor((w - layer.size) / layer.stride) + 1;
          if (oh < 1 || ow < 1) issues.push(`${at}.size: window ${layer.size} is larger than the ${h}x${w} input`);
          outShape = [Math.max(oh, 1), Math.max(ow, 1), c];
        }
        break;
      }
      case "flatten":
        outShape = [prod(shape)];
        break;
    }
    info.outShape = outShape;
    if (isWeightLayer(layer)) {
      const k = (layer.levels - 1) / 2;
      const fanIn = layer.kind === "dense" ? layer.inFeatures : layer.kernel * layer.kernel * layer.inChannels;
      const maxBias = layer.bias.reduce((m, b) => Math.max(m, Math.abs(b)), 0);
      const accMax = maxBias + k * (2 ** bits - 1) * fanIn;
      const winfo = info as WeightLayerInfo;
      winfo.k = k;
      winfo.fanIn = fanIn;
      winfo.accMax = accMax;
      winfo.accBits = signedBits(accMax);
      if (accMax > 2 ** 40) issues.push(`${at}: worst-case accumulator ${accMax} exceeds 2^40; reduce bits, levels or bias`);
      if (layer.output.kind === "requant") {
        const round = layer.output.shift > 0 ? 2 ** (layer.output.shift - 1) : 0;
        if (accMax * layer.output.multiplier + round >= 2 ** 52)
          issues.push(`${at}.output.multiplier: accumulator x multiplier can reach 2^52; use a smaller multiplier and shift`);
        outBits = layer.output.bits;
        if (last) issues.push(`${at}.output: the last layer must output logits, not requant`);
      } else {
        outBits = winfo.accBits;
        if (!last) issues.push(`${at}.output: only the last layer may output logits; hidden layers need requant`);
      }
    } else if (last) {
      issues.push(`${at}: the last layer must be a dense or conv2d layer with logits output`);
    }
    info.outBits = outBits;
    infos.push(info);
    shape = outShape;
    bits = outBits;
  });
  return infos;
}

function checkWeights(layer: WeightLayer, nWeights: number, nOut: number, at: string, issues: string[]): void {
  const k = (layer.levels - 1) / 2;
  if (layer.weights.length !== nWeights) issues.push(`${at}.weights: expected ${nWeights} values, got ${layer.weights.length}`);
  if (layer.bias.length !== nOut) issues.push(`${at}.bias: expected ${nOut} values, got ${layer.bias.length}`);
  let bad = 0;
  layer.weights.forEach((w, j) => {
    if (w < -k || w > k) {
      if (bad < 3) issues.push(`${at}.weights[${j}]: ${w} is outside [-${k}, ${k}] for ${layer.levels} levels`);
      bad++;
    }
  });
  if (bad > 3) issues.push(`${at}.weights: ${bad - 3} more values outside [-${k}, ${k}]`);
}
