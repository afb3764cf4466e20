/**
 * The dataflow plan: every width, depth, count and constant of the layer-pipelined accelerator,
 * computed from the IR and a folding. Templates only paste these values.
 *
 * Structure (docs/dataflow.md): one matrix-vector unit (MVU) per weight layer. MVU l has PE_l
 * processing elements (one output channel each per fold) with SIMD_l ternary/M-level lanes each
 * (inputs per cycle), an adder tree per PE and an accumulator; an image takes NF = N_out / PE neuron
 * folds of SF = N_in / SIMD cycles, so the MVU's interval is NF * SF cycles. Each MVU reads its
 * input vector from its own input buffer, a circular memory of `banks` whole images (the FIFO
 * between two layers, sized here so that it never limits the pipeline's interval). A fold's PE
 * results move into a drain that requantizes `outWidth` values per cycle (outWidth <= PE units of
 * CSD shift-add requantization, as few as fit in SF cycles) and streams them into the next
 * layer's buffer. An MVU starts an image only when the next buffer has a free bank (a credit), so a
 * started image never waits: this makes latency and interval exact (cycles.ts).
 */
import { analyze, isWeightInfo, unsignedBits, signedBits, weightBits, type WeightLayerInfo } from "../../ir/analyze.js";
import type { Network, WeightLayer } from "../../ir/schema.js";
import { TritforgeError } from "../../util/errors.js";
import { mapMemory, XILINX_MEMORY, XILINX_LUTRAM_SDP, type MemoryKind } from "../../cost/memory.js";
import type { RequantPlan } from "../common/requant.js";
import { accRange, equivalentRequant } from "./requant-equiv.js";
import { checkFolding, type Folding, type FoldTarget } from "./fold.js";
import { lowerNetwork } from "../lower/lower.js";
import type { LoweredStage } from "../lower/types.js";
import { planWindow, type WindowPlan } from "./window.js";

export type MemStyle = "block" | "distributed";

/** A circular buffer of whole input images in front of a consumer (an MVU or the output unit). */
export interface BufferPlan {
  /** Values per incoming beat (the producer's stream width). */
  producerWidth: number;
  /** Values per memory word: lcm(producer width, consumer read width). */
  wordValues: number;
  wordsPerImage: number;
  /** Incoming beats collected into one word. */
  collectBeats: number;
  /** Consumer reads per word (SIMD chunks; the output unit reads one value at a time). */
  chunks: number;
  /** Whole images the buffer holds (the FIFO depth, in images). */
  banks: number;
  depth: number;
  valueBits: number;
  width: number;
  addrBits: number;
  bankBits: number;
  style: MemStyle;
  /** Identical copies (one read port each): a conv layer reading several pixels per cycle. */
  copies: number;
}

export interface TreeLevel {
  /** Nodes at this level (level 0: the SIMD lanes). */
  count: number;
  /** Two's-complement width of each node. */
  width: number;
}

export interface DfLayerPlan {
  index: number;
  name: string;
  layer: WeightLayer;
  /** Inputs per output value (a conv layer: its K x K x C_in window) and output channels. */
  nIn: number;
  nOut: number;
  /** The sliding-window generator and pooling of a conv2d layer (null: dense). */
  window: WindowPlan | null;
  pe: number;
  simd: number;
  /** Neuron folds NF = N_out / PE and synapse folds SF = N_in / SIMD. */
  nf: number;
  sf: number;
  /** Cycles the MVU is busy per image: NF * SF (a conv layer: times the conv pixels it computes). */
  interval: number;
  inBits: number;
  levels: number;
  weightBits: number;
  /** |weight| * max input: the largest lane magnitude. */
  laneMax: number;
  tree: TreeLevel[];
  /** Accumulator width (bias + partial sums of the ones'-complement lanes). */
  accBits: number;
  /** Bias plus the row's count of negative weights (the lanes add ~(|w| x) = -|w| x - 1). */
  biasAdj: number[];
  biasBits: number;
  weightRomDepth: number;
  weightRomWidth: number;
  weightRomAddrBits: number;
  weightRomStyle: MemStyle;
  /**
   * Where the bias enters: "fold" loads it into the accumulator at a fold's first cycle (a ROM of NF
   * words of PE biases, its select merged into the accumulator's adder), "drain" adds it per drain
   * beat (a ROM of NF * drainBeats words of outWidth biases and outWidth adders): biasPlacement.
   */
  biasAt: "fold" | "drain";
  biasRomDepth: number;
  biasRomWidth: number;
  nfBits: number;
  sfBits: number;
  /** Values per output beat (requantizers); the drain sends PE / outWidth beats per fold. */
  outWidth: number;
  drainBeats: number;
  /** Cycles from the last issue of an image to its last value being visible downstream. */
  drainDelay: number;
  outBits: number;
  requant: RequantPlan | null;
  isLast: boolean;
  /** The buffer this MVU reads. */
  buffer: BufferPlan;
}

export interface OutputPlan {
  classes: number;
  classBits: number;
  logitBits: number;
  buffer: BufferPlan;
}

export interface DfPlan {
  name: string;
  top: string;
  folding: Folding;
  inputFeatures: number;
  inputBits: number;
  /** Beats of the input stream per image. */
  inputBeats: number;
  layers: DfLayerPlan[];
  output: OutputPlan;
  /** Steady-state initiation interval: the slowest stage (input port, an MVU, the output port). */
  interval: number;
  /** First input beat to last output beat of an image entering an empty pipeline. */
  latency: number;
}

export const addrBitsFor = (depth: number): number => Math.max(1, unsignedBits(depth - 1));
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * Weight ROMs of at least this many bits go to block RAM (`rom_style = "block"`) even where the
 * cost rule would make LUT ROM of them (shallow, wide ROMs of highly parallel foldings): LUTs are the
 * scarce resource of a fast design, block RAM the plentiful one.
 */
export const BLOCK_ROM_MIN_BITS = 4096;

/** Weight ROM style: block RAM from BLOCK_ROM_MIN_BITS bits on, else a LUT ROM. */
export const romStyle = (depth: number, width: number): MemStyle => (depth > 1 && depth * width >= BLOCK_ROM_MIN_BITS ? "block" : "distributed");

/** Block RAM when the project's Xilinx memory rule (cost/memory.ts) maps it to a block, else distributed. */
export function memStyle(kind: MemoryKind, depth: number, width: number): MemStyle {
  const m = mapMemory({ name: "m", kind, depth, width, bits: depth * width, role: kind === "rom" ? "weights" : "activations" }, XILINX_MEMORY);
  return m.block !== null && m.block !== XILINX_LUTRAM_SDP.name ? "block" : "distributed";
}

/** A buffer of `banks` images of `wordsPerImage` words of `wordValues` values, in `copies` copies. */
function bufferOf(producerWidth: number, wordValues: number, wordsPerImage: number, chunks: number, valueBits: number, banks: number, copies: number): BufferPlan {
  const depth = banks * wordsPerImage;
  const width = wordValues * valueBits;
  return {
    producerWidth,
    wordValues,
    wordsPerImage,
    collectBeats: wordValues / producerWidth,
    chunks,
    banks,
    depth,
    valueBits,
    width,
    addrBits: addrBitsFor(depth),
    bankBits: addrBitsFor(banks),
    style: memStyle("ram", depth, width),
    copies,
  };
}

function buffer(producerWidth: number, readWidth: number, values: number, valueBits: number, banks: number): BufferPlan {
  const wordValues = lcm(producerWidth, readWidth);
  return bufferOf(producerWidth, wordValues, values / wordValues, wordValues / readWidth, valueBits, banks, 1);
}

/** A conv layer's image buffer: one pixel (C_in values) per word, in `copies` copies. */
const windowBuffer = (producerWidth: number, w: WindowPlan, valueBits: number, banks: number): BufferPlan =>
  bufferOf(producerWidth, w.channels, w.height * w.width, w.chunks, valueBits, banks, w.copies);

/**
 * Images a buffer must hold so that the credit loop around it never sets the pace: the loop
 * (producer busy + drain + consumer busy) spans `banks` images and must take at most banks * T
 * cycles; at exactly banks * T the loop shares a stage with the bottleneck, else one more bank.
 */
export function banksFor(loop: number, interval: number, touchesBottleneck: boolean): number {
  let n = 2;
  while (loop > n * interval || (loop === n * interval && !touchesBottleneck)) n++;
  return n;
}

/**
 * Where a layer's bias enters, by estimated LUTs (bias ROMs as LUT ROMs of 64-word LUTs): at the
 * fold's first cycle, PE biases per fold (PE * bits * ceil(NF / 64) LUTs, and the accumulator's
 * restart select costs a second LUT per accumulator bit: measured with Yosys synth_xilinx, 2 LUTs
 * per bit against 1 when it restarts from 0), or per drain beat (outWidth * bits * ceil(NF * beats
 * / 64) ROM LUTs, plus outWidth adders of accBits and the beat counter). Few PEs favour the fold,
 * many the drain.
 */
export function biasPlacement(pe: number, nf: number, outWidth: number, biasBits: number, accBits: number): "fold" | "drain" {
  const beats = pe / outWidth;
  const atFold = pe * biasBits * Math.ceil(nf / 64) + pe * accBits;
  const atDrain = outWidth * biasBits * Math.ceil((nf * beats) / 64) + outWidth * accBits + unsignedBits(nf * beats) + 2;
  return atFold <= atDrain ? "fold" : "drain";
}

/** Smallest number of requantizers (a divisor of PE) that drains a fold within SF cycles. */
export function outWidthFor(pe: number, sf: number, isLast: boolean): number {
  if (isLast) return pe;
  for (let r = 1; r <= pe; r++) if (pe % r === 0 && pe / r <= sf) return r;
  return pe;
}

function treeLevels(simd: number, laneMax: number): TreeLevel[] {
  const levels: TreeLevel[] = [];
  let count = simd;
  let leaves = 1;
  for (;;) {
    levels.push({ count, width: unsignedBits(Math.min(leaves, simd) * (laneMax + 1) - 1) + 1 });
    if (count === 1) break;
    count = Math.ceil(count / 2);
    leaves *= 2;
  }
  return levels;
}

/** One MVU's plan without its input buffer (which depends on its neighbours and the pipeline's interval). */
export function planLayer(info: WeightLayerInfo, index: number, pe: number, simd: number, isLast: boolean, stage?: LoweredStage) {
  const layer = info.layer;
  const nIn = info.fanIn;
  const nOut = layer.kind === "dense" ? layer.outFeatures : layer.outChannels;
  const nf = nOut / pe;
  const sf = nIn / simd;
  const window = layer.kind === "conv2d" && stage ? planWindow(stage, simd) : null;
  const laneMax = info.k * (2 ** info.inBits - 1);
  const biasAdj = layer.bias.map((b, o) => {
    let neg = 0;
    for (let j = 0; j < nIn; j++) if (layer.weights[o * nIn + j]! < 0) neg++;
    return b + neg;
  });
  const maxBias = biasAdj.reduce((m, b) => Math.max(m, Math.abs(b)), 0);
  const accBits = signedBits(maxBias + nIn * (laneMax + 1));
  const outWidth = outWidthFor(pe, sf, isLast);
  const biasAt = biasPlacement(pe, nf, outWidth, signedBits(maxBias), accBits);
  const wb = weightBits(layer.levels);
  return {
    index,
    name: layer.name,
    layer,
    nIn,
    nOut,
    window,
    pe,
    simd,
    nf,
    sf,
    interval: (window ? window.visited : 1) * nf * sf,
    inBits: info.inBits,
    levels: layer.levels,
    weightBits: wb,
    laneMax,
    tree: treeLevels(simd, laneMax),
    accBits,
    biasAdj,
    biasBits: signedBits(maxBias),
    weightRomDepth: nf * sf,
    weightRomWidth: simd * wb,
    weightRomAddrBits: addrBitsFor(nf * sf),
    weightRomStyle: romStyle(nf * sf, simd * wb),
    biasAt,
    biasRomDepth: biasAt === "fold" ? nf : nf * (pe / outWidth),
    biasRomWidth: (biasAt === "fold" ? pe : outWidth) * signedBits(maxBias),
    nfBits: addrBitsFor(nf),
    sfBits: addrBitsFor(sf),
    outWidth,
    drainBeats: pe / outWidth,
    drainDelay: 6 + pe / outWidth,
    outBits: layer.output.kind === "requant" ? layer.output.bits : info.accBits,
    requant: layer.output.kind === "requant" ? equivalentRequant(layer.output.multiplier, layer.output.shift, layer.output.bits, ...accRange({ weights: layer.weights, bias: layer.bias, inFeatures: nIn, outFeatures: nOut }, 2 ** info.inBits - 1)) : null,
    isLast,
    logitBits: info.accBits,
  };
}

/** A conv layer's buffer as `planDataflow` builds it (exported for the solver's per-layer pricing). */
export const windowBufferFor = (producerWidth: number, w: WindowPlan, valueBits: number, banks: number): BufferPlan => windowBuffer(producerWidth, w, valueBits, banks);

/** A buffer as `planDataflow` builds it (exported for the solver's per-layer pricing). */
export const bufferFor = (producerWidth: number, readWidth: number, values: number, valueBits: number, banks: number): BufferPlan =>
  buffer(producerWidth, readWidth, values, valueBits, banks);

/** Computes the dataflow plan, or throws a one-line error if the network or folding cannot be built. */
export function planDataflow(net: Network, folding: Folding): DfPlan {
  const lowered = lowerNetwork(net);
  if (!lowered.ok) throw new TritforgeError(lowered.refusal);
  const stages = lowered.network.stages;
  const weightLayers = analyze(net).filter(isWeightInfo) as WeightLayerInfo[];
  const inputFeatures = net.input.shape.reduce((a, b) => a * b, 1);
  checkFolding(folding, foldTargets(stages), inputFeatures);
  const inputBeats = inputFeatures / folding.inputPerBeat;
  const partial = weightLayers.map((info, index) =>
    planLayer(info, index, folding.layers[index]!.pe, folding.layers[index]!.simd, index === weightLayers.length - 1, stages[index]),
  );
  const last = partial[partial.length - 1]!;
  const classes = lowered.network.classes;
  const interval = Math.max(inputBeats, classes, ...partial.map((l) => l.interval));
  const layers: DfLayerPlan[] = partial.map(({ logitBits: _unused, ...l }, i) => {
    const prev = partial[i - 1];
    const banks = prev ? banksFor(prev.interval + prev.drainDelay - 1 + l.interval, interval, Math.max(prev.interval, l.interval) === interval) : 2;
    const producer = prev ? prev.outWidth : folding.inputPerBeat;
    return { ...l, buffer: l.window ? windowBuffer(producer, l.window, l.inBits, banks) : buffer(producer, l.simd, l.nIn, l.inBits, banks) };
  });
  const outBanks = banksFor(last.interval + last.drainDelay - 1 + classes, interval, Math.max(last.interval, classes) === interval);
  const output: OutputPlan = {
    classes,
    classBits: addrBitsFor(classes),
    logitBits: last.logitBits,
    buffer: buffer(last.outWidth, 1, classes, last.logitBits, outBanks),
  };
  // Latency of an image entering an empty pipeline (cycles.ts derives it; see predictSchedule).
  const latency = inputBeats + layers.reduce((s, l) => s + l.interval + l.drainDelay - 1, 0) + classes;
  return { name: net.name, top: `${net.name.toLowerCase()}_dataflow`, folding, inputFeatures, inputBits: net.input.bits, inputBeats, layers, output, interval, latency };
}

/** What checkFolding needs of each lowered stage (conv layers: the window a SIMD chunk reads, the pixel the producer writes). */
export const foldTargets = (stages: LoweredStage[]): FoldTarget[] =>
  stages.map((s) => ({
    name: s.name,
    nIn: s.fanIn,
    nOut: s.outChannels,
    window: s.source === "conv2d" ? { kernel: s.window.kernel, channels: s.window.input.channels } : null,
  }));

/**
 * A plan with every weight `bits` wide, for pricing only (report/area.ts prices a float net as the
 * same pipeline with 32-bit fixed-point weights): lanes, adder trees, accumulators, biases and weight
 * ROM words grow with the weights; the folding, buffers and requantizers are kept (a requantizer on a
 * wider accumulator would cost a little more, so the float price is, if anything, low).
 */
export function widenDfWeights(plan: DfPlan, bits: number): DfPlan {
  const layers = plan.layers.map((l) => {
    const grow = bits - l.weightBits;
    if (grow <= 0) return l;
    const laneMax = (2 ** (bits - 1) - 1) * (2 ** l.inBits - 1);
    const biasBits = l.biasBits + grow;
    return {
      ...l,
      weightBits: bits,
      laneMax,
      tree: treeLevels(l.simd, laneMax),
      accBits: l.accBits + grow,
      biasBits,
      weightRomWidth: l.simd * bits,
      weightRomStyle: romStyle(l.weightRomDepth, l.simd * bits),
      biasRomWidth: (l.biasAt === "fold" ? l.pe : l.outWidth) * biasBits,
    };
  });
  return { ...plan, layers };
}
