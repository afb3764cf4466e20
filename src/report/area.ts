/**
 * Hardware area of a sweep's points (FFDNNs and CNNs), for the area-based ECR, per hardware
 * architecture: each network is priced as the accelerator `gen-rtl --arch ID` would emit for it
 * (mac-array: P = AREA_LANES lanes; dataflow: the folding solver's cheapest pipeline starting an image
 * every DATAFLOW_INTERVAL cycles), with the cost model's analytic iCE40 LUT4 estimate (calibrated
 * against Yosys, docs/cost-model.md, docs/dataflow.md) and its block-RAM rule (exact against Yosys
 * on every calibration design).
 *
 * A quantized point is priced from a seeded random network of its shape, levels and signal bits:
 * area depends on shapes, levels, P and signal bits; weight values only move bias widths and
 * requantizer constants (a few percent, docs/cost-model.md).
 *
 * A float point has no generator: it is priced as the same array with 32-bit fixed-point weights
 * (the ternary design's manifest with every weight 32 bits wide: ROM words, accumulators and biases
 * 31 bits wider, lanes adding one shifted copy per weight bit, i.e. a multiplier built from adders,
 * no DSP). Its block RAM follows exactly from the mapping rule; its LUT4 count extrapolates the
 * analytic model far beyond the weight widths it was calibrated on (2 to 4 bits), so the LUT4-based
 * ECR is an estimate of the logic saved, the EBR-based one a firm figure.
 * Pure functions; results are memoised per shape.
 */
import { archClasses, archInput, inputFeatures, type DataShape } from "../train/arch.js";
import { chainLayer, randomChainNetwork, randomDenseNetwork } from "../ir/random.js";
import type { Network } from "../ir/schema.js";
import { planMacArray, widenWeights } from "../hw/mac-array/plan.js";
import { buildManifest } from "../hw/mac-array/manifest.js";
import { planFor } from "../hw/dataflow/index.js";
import { buildManifest as buildDataflowManifest } from "../hw/dataflow/manifest.js";
import { widenDfWeights } from "../hw/dataflow/plan.js";
import type { Manifest } from "../hw/bundle/manifest.js";
import { analyticEstimate } from "../cost/analytic.js";
import { memorySummary } from "../cost/memory.js";

export const AREA_LANES = 16;
/** The dataflow's throughput for pricing: an image every 3,136 cycles (4 per input pixel of a 28x28 image). */
export const DATAFLOW_INTERVAL = 3136;
/** The architectures the report prices, each with its own area-based ECR. */
export const AREA_ARCHS = ["mac-array", "dataflow"] as const;
export type AreaArch = (typeof AREA_ARCHS)[number];
export const FLOAT_WEIGHT_BITS = 32;

export interface HwArea {
  /** Analytic iCE40 LUT4 estimate. */
  lut4: number;
  /** iCE40 4-kbit EBR blocks (weights, biases, activation buffers, logits). */
  ebr: number;
}

const cache = new Map<string, HwArea>();

/** The mac-array manifest of a network; `wideBits` widens every weight. */
function manifestFor(net: Network, lanes: number, wideBits?: number): Manifest {
  const plan = planMacArray(net, lanes);
  return buildManifest(wideBits === undefined ? plan : widenWeights(plan, wideBits), net);
}

function price(m: Manifest): HwArea {
  return { lut4: analyticEstimate(m).ice40!.lut4, ebr: memorySummary(m).ice40.ebr };   // both architectures are calibrated on iCE40
}

/** A network (ternary stand-in for a float one, then widened) priced on one architecture. */
function priceOn(arch: AreaArch, net: (levels: number) => Network, levels: number, lanes: number): HwArea {
  const n = net(levels === 0 ? 3 : levels);
  const wide = levels === 0 ? FLOAT_WEIGHT_BITS : undefined;
  if (arch === "mac-array") return price(manifestFor(n, lanes, wide));
  // The folding is solved on the stand-in: the pipeline of the same throughput, its weights widened for a float net.
  const { plan } = planFor(n, { targetInterval: DATAFLOW_INTERVAL });
  return price(buildDataflowManifest(wide === undefined ? plan : widenDfWeights(plan, wide), n, null));
}

/** The data shape of a network in a key (empty for 28x28x1 images and 10 classes). */
const dataKey = (data: DataShape): string => (data.input ? `|${data.input.join("x")}:${archClasses(data)}` : "");

/**
 * Area of an FFDNN (inputs and classes from `data`, 784 and 10 when left out; hidden widths) at
 * `levels` (0 = float, priced with 32-bit weights) and `signalBits`-bit signals on an
 * AREA_LANES-lane accelerator.
 */
export function ffdnnArea(hidden: readonly number[], levels: number, signalBits: number, lanes = AREA_LANES, data: DataShape = {}, arch: AreaArch = "mac-array"): HwArea {
  const key = `${arch}|${hidden.join("x")}|${levels}|${signalBits}|${lanes}${dataKey(data)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const net = (m: number) => randomDenseNetwork({ name: "area", seed: 1, sizes: [inputFeatures(data), ...hidden, archClasses(data)], levels: m, signalBits, inputBits: 8 });
  const area = priceOn(arch, net, levels, lanes);
  cache.set(key, area);
  return area;
}

/**
 * Area of a CNN as the trainer builds it (input and classes from `data`, 28x28x1 and 10 when left
 * out; each conv layer 3x3 with padding 1 and 2x2 max-pooling; flatten; dense layers), priced like
 * ffdnnArea.
 */
export function cnnArea(conv: readonly number[], dense: readonly number[], levels: number, signalBits: number, lanes = AREA_LANES, data: DataShape = {}, arch: AreaArch = "mac-array"): HwArea {
  const key = `${arch}|cnn ${conv.join("-")}|${dense.join("-")}|${levels}|${signalBits}|${lanes}${dataKey(data)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { conv: c, pool, flatten, dense: d } = chainLayer;
  const layers = [...conv.flatMap((out) => [c(out, 3, 1), pool(2, 2)]), flatten, ...dense.map(d), d(archClasses(data))];
  const net = (m: number) => randomChainNetwork({ name: "area", seed: 1, input: archInput(data), layers, levels: m, signalBits, inputBits: 8 });
  const area = priceOn(arch, net, levels, lanes);
  cache.set(key, area);
  return area;
}
