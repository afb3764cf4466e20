/**
 * The mac-array plan: every width, depth, count and constant of the accelerator, computed from the
 * IR and the lane count P. Templates only paste these values; nothing is computed in them.
 *
 * Architecture (output-stationary, layer-sequential): P MAC lanes each own one output neuron of the
 * current group of P outputs; the layer's inputs are broadcast to all lanes one per cycle. After
 * N_in cycles the P accumulators move into a drain shift register, which requantizes one value per
 * cycle into the next activation buffer while the lanes already accumulate the next group.
 * Layers come from the lowering (../lower): a convolution is the same product over windows, its
 * inputs fetched by the window walk (walk.ts), its max-pooling done on the accumulators.
 */
import { signedBits, unsignedBits, weightBits } from "../../ir/analyze.js";
import type { Network } from "../../ir/schema.js";
import { TritforgeError } from "../../util/errors.js";
import { planRequant, requantStages, type RequantPlan } from "../common/requant.js";
import { lowerNetwork } from "../lower/lower.js";
import { mapSize, type LoweredNetwork, type LoweredStage } from "../lower/types.js";
import { groupCount, laneOrderOf, type LaneOrder } from "./lane-order.js";
import { requantChoice, type RequantChoice, type RequantSharing } from "./requant-share.js";
import { walkOf, walkWidths, type WalkPlan, type WalkWidths } from "./walk.js";

export interface LayerPlan {
  index: number;
  name: string;
  /** The lowered layer (weights, bias, window, pooling). */
  stage: LoweredStage;
  /** Inputs per output value: k * k * C_in (a dense layer's inFeatures). */
  nIn: number;
  /** Output channels (a dense layer's outFeatures). */
  nOut: number;
  /** Values of the map the layer reads, and of the map it writes (pooled; the logits). */
  inValues: number;
  outValues: number;
  /** The window walk (used by designs with convolutions). */
  walk: WalkPlan;
  /** How outputs are dealt to the lanes (lane-order.ts); always "channels" in dense-only designs. */
  laneOrder: LaneOrder;
  /** Output pixels (of the pooled map; 1 for a dense layer). */
  pixels: number;
  /** Lane groups the layer runs (laneGroups), each of poolSize^2 runs of N_in cycles. */
  runGroups: number;
  levels: number;
  /** Two's-complement bits per stored weight: ceil(log2 M) (2 for ternary: 00 = 0, 01 = +1, 11 = -1). */
  weightBits: number;
  /**
   * Weight blocks: "channels": ceil(C/P) groups of P channels per pixel (ROM word g*N_in + j holds
   * the weights of channels gP..gP+P-1 for input j); "outputs": 1 (word j holds all C channels).
   */
  groups: number;
  /** Outputs of the last group of a pixel ("channels") or of the layer ("outputs"), 1..P. */
  lastGroupSize: number;
  weightRomDepth: number;
  weightRomWidth: number;
  weightRomAddrBits: number;
  biasBits: number;
  /**
   * The bias ROM's words, one per output channel, read by the drain. Dense designs: b - 2^termBits *
   * (negative weights of the output), wrapped to the accumulator width (the lanes add |w|x XOR neg
   * over termBits bits plus the carry-in neg, i.e. 2^termBits too much per negative weight; the
   * drain's bias takes it back). null with the window walk: its drain adds the plain bias.
   */
  drainBias: number[] | null;
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
  /** A layer over outputs reads it through the second walker: a second copy, written with the first. */
  secondRead: boolean;
}

export interface RtlPlan {
  name: string;
  top: string;
  lanes: number;
  inputFeatures: number;
  inputBits: number;
  /**
   * Null for dense-only networks (the issue stage counts inputs 0..N_in-1 and layer 0 consumes
   * the input stream as it computes); for networks with convolutions, the widths of the window
   * walk (walk.ts), and the image is loaded into buffer 0 before layer 0 starts.
   */
  walk: (WalkWidths & LaneWidths) | null;
  /** Some layer max-pools (the lanes keep a running maximum). */
  pools: boolean;
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
  /** Width of a lane's term |w| * x (dense designs: the adder's operand below the zero upper bits). */
  termBits: number;
  /** Width of the drain's lane index (0..P-1; dense designs). */
  drainIdxBits: number;
  /** Register stages of the requantizers' adder trees (the shared tree's, or the deepest layer's; at least 1; dense designs). */
  requantStages: number;
  /** Dense designs: one requantizer shared by the hidden layers, or one per layer (requant-share.ts); window walk: per layer. */
  requantSharing: RequantChoice;
}

/** Widths of the lane-group phase logic (designs with convolutions; lane-order.ts). */
export interface LaneWidths {
  /** Some layer deals its lanes over outputs: a second walker, second buffer reads, rotated weights. */
  pairs: boolean;
  /** The phase register (channel of lane 0, < C) and its sum with P. */
  phase: number;
  /** The drain's channel counter (and the bias ROMs' address): channels of the widest layer. */
  drainChannel: number;
  /** The weight-word rotation (phase * weight bits, plus P * weight bits) of layers over outputs; 0 without. */
  shift: number;
}

function laneWidths(layers: readonly LayerPlan[], lanes: number): LaneWidths {
  const pairs = layers.filter((l) => l.laneOrder === "outputs");
  return {
    pairs: pairs.length > 0,
    phase: unsignedBits(Math.max(...layers.map((l) => l.nOut + lanes))),
    drainChannel: addrBitsFor(Math.max(...layers.map((l) => l.nOut))),
    shift: pairs.length ? unsignedBits(Math.max(...pairs.map((l) => (l.nOut + lanes) * l.weightBits))) : 0,
  };
}

export const addrBitsFor = (depth: number): number => Math.max(1, unsignedBits(depth - 1));

export const MAX_LANES = 1024;

/** Why the mac-array cannot build `net` (one line naming the layer), or null. */
export function unsupportedLayer(net: Network): string | null {
  const l = lowerNetwork(net);
  return l.ok ? null : l.refusal;
}

function lowered(net: Network): LoweredNetwork {
  const l = lowerNetwork(net);
  if (!l.ok) throw new TritforgeError(l.refusal);
  return l.network;
}

/** `v` modulo 2^bits as a two's-complement value. */
function wrapSigned(v: number, bits: number): number {
  const m = 2 ** bits;
  const u = ((v % m) + m) % m;
  return u >= m / 2 ? u - m : u;
}

/** The dense layer with its drain bias words (see LayerPlan.drainBias) and their width. */
function withDrainBias(l: LayerPlan, termBits: number, accBits: number): LayerPlan {
  const w = l.stage.weights;
  const words = Array.from({ length: l.nOut }, (_, o) => {
    let negatives = 0;
    for (let j = 0; j < l.nIn; j++) if (w[o * l.nIn + j]! < 0) negatives++;
    return wrapSigned(l.stage.bias[o]! - 2 ** termBits * negatives, accBits);
  });
  // Two's-complement width of the widest word (-2^(b-1) needs b bits, not b + 1): at most accBits.
  const biasBits = words.reduce((m, b) => Math.max(m, signedBits(b < 0 ? -b - 1 : b)), 1);
  return { ...l, drainBias: words, biasBits, biasRomWidth: biasBits };
}

export interface PlanOptions {
  /** Shared or per-layer requantizers of a dense design (default "auto": the cheaper estimate). */
  requant?: RequantSharing;
}

/** Computes the accelerator plan, or throws a one-line error if the network cannot be built. */
export function planMacArray(net: Network, lanes: number, o: PlanOptions = {}): RtlPlan {
  if (!Number.isInteger(lanes) || lanes < 1) throw new TritforgeError(`lanes must be a whole number >= 1, got ${lanes}`);
  if (lanes > MAX_LANES) throw new TritforgeError(`lanes must be at most ${MAX_LANES}, got ${lanes}`);
  const stages = lowered(net).stages;
  const inputFeatures = net.input.shape.reduce((a, b) => a * b, 1);
  const windows = stages[0]!.source === "conv2d";
  const layers: LayerPlan[] = stages.map((stage, index) => {
    const isLast = index === stages.length - 1;
    const nIn = stage.fanIn;
    const nOut = stage.outChannels;
    const pixels = stage.outMap.height * stage.outMap.width;
    const laneOrder = windows ? laneOrderOf(pixels, nOut, lanes) : "channels";
    const outputs = laneOrder === "outputs";
    const groups = outputs ? 1 : Math.ceil(nOut / lanes);
    const runGroups = groupCount(laneOrder, pixels, nOut, lanes);
    const romLanes = outputs ? nOut : lanes;
    const wb = weightBits(stage.levels);
    const maxBias = stage.bias.reduce((m, b) => Math.max(m, Math.abs(b)), 0);
    const biasBits = signedBits(maxBias);
    const out = stage.output;
    return {
      index,
      name: stage.name,
      stage,
      nIn,
      nOut,
      inValues: mapSize(stage.window.input),
      outValues: mapSize(stage.outMap),
      walk: walkOf(stage, laneOrder, runGroups),
      laneOrder,
      pixels,
      runGroups,
      levels: stage.levels,
      weightBits: wb,
      groups,
      lastGroupSize: outputs ? pixels * nOut - (runGroups - 1) * lanes : nOut - (groups - 1) * lanes,
      weightRomDepth: groups * nIn,
      weightRomWidth: romLanes * wb,
      weightRomAddrBits: addrBitsFor(groups * nIn),
      biasBits,
      drainBias: null,
      // One bias per output channel, read by the drain (dense designs: per output; window walk: per channel).
      biasRomDepth: nOut,
      biasRomWidth: biasBits,
      biasRomAddrBits: addrBitsFor(nOut),
      accBits: stage.accBits,
      isLast,
      readBuffer: index % 2,
      writeBuffer: isLast ? -1 : (index + 1) % 2,
      requant: out.kind === "requant" ? planRequant(out.multiplier, out.shift, out.bits, stage.accBits) : null,
    };
  });
  const last = layers[layers.length - 1]!;
  const bufferDepth = [0, 0];
  layers.forEach((l) => (bufferDepth[l.readBuffer] = Math.max(bufferDepth[l.readBuffer]!, l.inValues)));
  const buffers = bufferDepth.flatMap((depth, index) =>
    depth > 0 ? [{ index, depth, addrBits: addrBitsFor(depth), secondRead: layers.some((l) => l.readBuffer === index && l.laneOrder === "outputs") }] : [],
  );
  const actBits = Math.max(net.input.bits, ...layers.map((l) => l.requant?.outBits ?? 0));
  const accBits = Math.max(...layers.map((l) => l.accBits));
  const maxWidth = Math.max(inputFeatures, ...layers.map((l) => l.nOut));
  const top = `${net.name.toLowerCase()}_accel`;
  const maxOf = (f: (l: LayerPlan) => number) => Math.max(...layers.map(f));
  const weightBitsMax = maxOf((l) => l.weightBits);
  // |w| * x of any layer: at most K * (2^actBits - 1), K = (M - 1) / 2.
  const termBits = Math.min(unsignedBits(maxOf((l) => (l.levels - 1) / 2) * (2 ** actBits - 1)), accBits);
  if (!windows) layers.forEach((l, i) => (layers[i] = withDrainBias(l, termBits, accBits)));
  // Dense-only: the input index counter also holds P (the drain's base address steps by P).
  // With windows: output addresses run one group (P) past a layer's last value before they wrap.
  const requantizing = layers.flatMap((l) => (l.requant ? [{ index: l.index, accBits: l.accBits, requant: l.requant }] : []));
  if (windows && o.requant === "shared") throw new TritforgeError("requant: a shared requantizer is built for dense-only designs; designs with convolutions requantize per layer");
  const sharing = requantChoice(windows ? [] : requantizing, o.requant ?? "auto");
  const addrBits = windows ? unsignedBits(Math.max(inputFeatures, maxOf((l) => l.inValues), maxOf((l) => l.outValues + lanes))) : Math.max(addrBitsFor(maxWidth), unsignedBits(lanes));
  return {
    name: net.name,
    top,
    lanes,
    inputFeatures,
    inputBits: net.input.bits,
    walk: windows ? { ...walkWidths(layers.map((l) => l.walk), addrBits), ...laneWidths(layers, lanes) } : null,
    pools: layers.some((l) => l.stage.pool !== null),
    actBits,
    accBits,
    weightBits: weightBitsMax,
    termBits,
    classes: last.outValues,
    classBits: addrBitsFor(last.outValues),
    logitBits: last.accBits,
    layers,
    buffers,
    addrBits,
    groupBits: addrBitsFor(Math.max(...layers.map((l) => l.groups))),
    layerBits: addrBitsFor(layers.length),
    // With windows the group base steps to g * N_in past the last word: it holds a ROM's depth.
    weightAddrBits: windows ? unsignedBits(maxOf((l) => l.weightRomDepth)) : maxOf((l) => l.weightRomAddrBits),
    drainCountBits: unsignedBits(lanes),
    drainIdxBits: addrBitsFor(lanes),
    requantStages: sharing.mode === "shared" ? sharing.shared!.stages : Math.max(1, ...layers.map((l) => (l.requant ? requantStages(l.requant) : 1))),
    requantSharing: sharing,
  };
}

/**
 * The same array with every stored weight `bits` wide (for pricing a float network as 32-bit
 * fixed point, report/area.ts): ROM words, biases and accumulators grow by the extra bits, and so
 * does a lane's term |w| * x; the requantizers' products follow the wider accumulators; logits
 * keep their width.
 */
export function widenWeights(plan: RtlPlan, bits: number): RtlPlan {
  const layers = plan.layers.map((l) => {
    const grow = bits - l.weightBits;
    const accBits = l.accBits + grow;
    return {
      ...l,
      weightBits: bits,
      weightRomWidth: (l.laneOrder === "outputs" ? l.nOut : plan.lanes) * bits,
      biasBits: l.biasBits + grow,
      biasRomWidth: l.biasBits + grow,
      accBits,
      requant: l.requant ? planRequant(l.requant.multiplier, l.requant.shift, l.requant.outBits, accBits) : null,
    };
  });
  const accBits = Math.max(...layers.map((l) => l.accBits));
  // A lane's term |w| * x grows with the weights: |w| < 2^(bits-1).
  const termBits = Math.min(unsignedBits((2 ** (bits - 1) - 1) * (2 ** plan.actBits - 1)), accBits);
  return { ...plan, layers, weightBits: bits, accBits, termBits };
}
