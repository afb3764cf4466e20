/**
 * The mac-array plan: every width, depth, count and constant of the accelerator, computed from the
 * IR and the lane count P. Templates only paste these values; nothing is computed in them.
 *
 * Architecture (output-stationary, layer-sequential): P MAC lanes each own one output neuron of the
 * current group of P outputs; the layer's inputs are broadcast to all lanes one per cycle. After
 * N_in cycles the P accumulators move into a drain shift register, which requantizes one value per
 * cycle into the next activation buffer while the lanes already accumulate the next group.
 */
import { analyze, isWeightInfo, signedBits, unsignedBits, weightBits, type WeightLayerInfo } from "../../ir/analyze.js";
import type { DenseLayer, Network } from "../../ir/schema.js";
import { TritforgeError } from "../../util/errors.js";
import { planRequant, type RequantPlan } from "../common/requant.js";

export interface LayerPlan {
  index: number;
  name: string;
  layer: DenseLayer;
  nIn: number;
  nOut: number;
  levels: number;
  /** Two's-complement bits per stored weight: ceil(log2 M) (2 for ternary: 00 = 0, 01 = +1, 11 = -1). */
  weightBits: number;
  groups: number;
  /** Outputs in the last group (1..P). */
  lastGroupSize: number;
  weightRomDepth: number;
  weightRomWidth: number;
  weightRomAddrBits: number;
  biasBits: number;
  biasRomDepth: number;
  biasRomWidth: number;
  biasRomAddrBits: number;
  /** Worst-case accumulator bits of this layer. */
  accBits: number;
  isLast: boolean;
  /** Activation buffer this layer reads from (0 or 1); layer 0 reads buffer 0 (the input). */
  readBuffer: number;
  /** Buffer it writes to (hidden layers), or -1 for the output layer (logit registers). */
  writeBuffer: number;
  requant: RequantPlan | null;
}

export interface BufferPlan {
  index: number;
  depth: number;
  addrBits: number;
}

export interface RtlPlan {
  name: string;
  top: string;
  lanes: number;
  inputFeatures: number;
  inputBits: number;
  /** Width of an activation word in the buffers: the widest signal. */
  actBits: number;
  /** Lane accumulator width: the widest layer's worst case. */
  accBits: number;
  /** Widest stored weight (lanes sign-extend narrower layers' weights). */
  weightBits: number;
  classes: number;
  classBits: number;
  logitBits: number;
  layers: LayerPlan[];
  buffers: BufferPlan[];
  /** Width of the input index counter / activation addresses (covers every layer width). */
  addrBits: number;
  groupBits: number;
  layerBits: number;
  weightAddrBits: number;
  drainCountBits: number;
}

export const addrBitsFor = (depth: number): number => Math.max(1, unsignedBits(depth - 1));

export const MAX_LANES = 1024;

/** Why the mac-array cannot build `net` (one line), or null. */
export function unsupportedLayer(net: Network): string | null {
  const infos = analyze(net);
  const bad = infos.find((i) => i.layer.kind !== "dense" && !(i.layer.kind === "flatten" && i.index === 0));
  return bad ? `the mac-array architecture builds dense networks only; layer ${bad.index} ("${bad.layer.name}") is ${bad.layer.kind}` : null;
}

/** Computes the accelerator plan, or throws a one-line error if the network cannot be built. */
export function planMacArray(net: Network, lanes: number): RtlPlan {
  if (!Number.isInteger(lanes) || lanes < 1) throw new TritforgeError(`lanes must be a whole number >= 1, got ${lanes}`);
  if (lanes > MAX_LANES) throw new TritforgeError(`lanes must be at most ${MAX_LANES}, got ${lanes}`);
  const why = unsupportedLayer(net);
  if (why) throw new TritforgeError(why);
  const infos = analyze(net);
  const weightLayers = infos.filter(isWeightInfo) as WeightLayerInfo[];
  const inputFeatures = net.input.shape.reduce((a, b) => a * b, 1);
  const layers: LayerPlan[] = weightLayers.map((info, index) => {
    const layer = info.layer as DenseLayer;
    const isLast = index === weightLayers.length - 1;
    const groups = Math.ceil(layer.outFeatures / lanes);
    const wb = weightBits(layer.levels);
    const maxBias = layer.bias.reduce((m, b) => Math.max(m, Math.abs(b)), 0);
    const biasBits = signedBits(maxBias);
    return {
      index,
      name: layer.name,
      layer,
      nIn: layer.inFeatures,
      nOut: layer.outFeatures,
      levels: layer.levels,
      weightBits: wb,
      groups,
      lastGroupSize: layer.outFeatures - (groups - 1) * lanes,
      weightRomDepth: groups * layer.inFeatures,
      weightRomWidth: lanes * wb,
      weightRomAddrBits: addrBitsFor(groups * layer.inFeatures),
      biasBits,
      biasRomDepth: groups,
      biasRomWidth: lanes * biasBits,
      biasRomAddrBits: addrBitsFor(groups),
      accBits: info.accBits,
      isLast,
      readBuffer: index % 2,
      writeBuffer: isLast ? -1 : (index + 1) % 2,
      requant: layer.output.kind === "requant" ? planRequant(layer.output.multiplier, layer.output.shift, layer.output.bits, info.accBits) : null,
    };
  });
  const last = layers[layers.length - 1]!;
  const bufferDepth = [0, 0];
  layers.forEach((l) => (bufferDepth[l.readBuffer] = Math.max(bufferDepth[l.readBuffer]!, l.nIn)));
  const buffers = bufferDepth.flatMap((depth, index) => (depth > 0 ? [{ index, depth, addrBits: addrBitsFor(depth) }] : []));
  const actBits = Math.max(net.input.bits, ...layers.map((l) => l.requant?.outBits ?? 0));
  const accBits = Math.max(...layers.map((l) => l.accBits));
  const maxWidth = Math.max(inputFeatures, ...layers.map((l) => l.nOut));
  const top = `${net.name.toLowerCase()}_accel`;
  return {
    name: net.name,
    top,
    lanes,
    inputFeatures,
    inputBits: net.input.bits,
    actBits,
    accBits,
    weightBits: Math.max(...layers.map((l) => l.weightBits)),
    classes: last.nOut,
    classBits: addrBitsFor(last.nOut),
    logitBits: last.accBits,
    layers,
    buffers,
    // Also holds P itself: the drain's running base address is incremented by P.
    addrBits: Math.max(addrBitsFor(maxWidth), unsignedBits(lanes)),
    groupBits: addrBitsFor(Math.max(...layers.map((l) => l.groups))),
    layerBits: addrBitsFor(layers.length),
    weightAddrBits: Math.max(...layers.map((l) => l.weightRomAddrBits)),
    drainCountBits: unsignedBits(lanes),
  };
}

/**
 * The same array with every stored weight `bits` wide (for pricing a float network as 32-bit
 * fixed point, report/area.ts): ROM words, biases and accumulators grow by the extra bits; the
 * requantizers' products follow the wider accumulators; logits keep their width.
 */
export function widenWeights(plan: RtlPlan, bits: number): RtlPlan {
  const layers = plan.layers.map((l) => {
    const grow = bits - l.weightBits;
    const accBits = l.accBits + grow;
    return {
      ...l,
      weightBits: bits,
      weightRomWidth: plan.lanes * bits,
      biasBits: l.biasBits + grow,
      biasRomWidth: plan.lanes * (l.biasBits + grow),
      accBits,
      requant: l.requant ? planRequant(l.requant.multiplier, l.requant.shift, l.requant.outBits, accBits) : null,
    };
  });
  return { ...plan, layers, weightBits: bits, accBits: Math.max(...layers.map((l) => l.accBits)) };
}
