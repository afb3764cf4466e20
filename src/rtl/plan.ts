/**
 * The hardware plan: every width, depth, count and constant of the accelerator, computed from the
 * IR and the lane count P. Templates only paste these values; nothing is computed in them.
 *
 * Architecture (output-stationary, layer-sequential): P MAC lanes each own one output neuron of the
 * current group of P outputs; the layer's inputs are broadcast to all lanes one per cycle. After
 * N_in cycles the P accumulators move into a drain shift register, which requantizes one value per
 * cycle into the next activation buffer while the lanes already accumulate the next group.
 */
import { analyze, isWeightInfo, signedBits, unsignedBits, weightBits, type WeightLayerInfo } from "../ir/analyze.js";
import type { DenseLayer, Network } from "../ir/schema.js";
import { TritforgeError } from "../util/errors.js";
import { csdTerms, type CsdTerm } from "./csd.js";

export interface RequantPlan {
  multiplier: number;
  shift: number;
  outBits: number;
  /** CSD terms of the multiplier: the product is a sum of shifted copies. */
  terms: CsdTerm[];
  /** Width of the signed product register (holds acc * m + rounding with headroom). */
  productBits: number;
  /** 2^(shift-1), or 0 when shift = 0. */
  roundConst: number;
}

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

function planRequant(multiplier: number, shift: number, outBits: number, accBits: number): RequantPlan {
  const terms = csdTerms(multiplier);
  const mBits = unsignedBits(multiplier);
  // Product plus rounding constant must fit; +2 bits cover CSD partial sums and the sign.
  const productBits = Math.max(accBits + mBits + 2, shift + outBits + 2);
  return { multiplier, shift, outBits, terms, productBits, roundConst: shift > 0 ? 2 ** (shift - 1) : 0 };
}

/** Computes the accelerator plan, or throws a one-line error if the network cannot be built. */
export function planRtl(net: Network, lanes: number): RtlPlan {
  if (!Number.isInteger(lanes) || lanes < 1) throw new TritforgeError(`lanes must be a whole number >= 1, got ${lanes}`);
  if (lanes > 1024) throw new TritforgeError(`lanes must be at most 1024, got ${lanes}`);
  const infos = analyze(net);
  const unsupported = infos.find((i) => i.layer.kind !== "dense" && !(i.layer.kind === "flatten" && i.index === 0));
  if (unsupported)
    throw new TritforgeError(`RTL generation supports dense networks only; layer ${unsupported.index} ("${unsupported.layer.name}") is ${unsupported.layer.kind}`);
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
 * Cycles per inference, from the first input beat accepted to the last logit beat accepted, with
 * an always-valid source and an always-ready sink. Mirrors the control FSM exactly:
 *  - layer issue starts at t; group g's last MAC is at t + N_in (g = 0), then one group every
 *    max(N_in, size of the group still draining) cycles (the drain of a group must be down to its
 *    last value before the next group's accumulators can move in);
 *  - the next layer issues once the last group has drained (n_last cycles after its last MAC, +1);
 *  - after the output layer drains, the FSM enters the output state one cycle later and sends
 *    one logit per cycle.
 */
export function predictCycles(plan: RtlPlan): number {
  let t = 0;
  for (const l of plan.layers) {
    const size = (g: number) => (g === l.groups - 1 ? l.lastGroupSize : plan.lanes);
    let lastMac = t + l.nIn;
    for (let g = 1; g < l.groups; g++) lastMac += Math.max(l.nIn, size(g - 1));
    t = lastMac + size(l.groups - 1) + 1;
  }
  return t + 1 + plan.classes;
}

/** The ideal compute-bound count: sum over layers of ceil(N_out / P) * N_in. */
export const idealCycles = (plan: RtlPlan): number => plan.layers.reduce((s, l) => s + l.groups * l.nIn, 0);
