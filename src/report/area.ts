/**
 * Hardware area of a sweep's FFDNN points, for the area-based ECR: each network is priced as the
 * accelerator `gen-rtl` would emit for it (P = AREA_LANES lanes), with the cost model's analytic
 * LUT4 estimate (calibrated against Yosys, docs/cost-model.md) and its block-RAM rule (exact
 * against Yosys on every calibration design).
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
import { randomDenseNetwork } from "../ir/random.js";
import { planRtl } from "../rtl/plan.js";
import { buildManifest } from "../rtl/generate.js";
import { analyticEstimate } from "../cost/analytic.js";
import { parseManifest, type HwManifest } from "../cost/manifest.js";
import { memorySummary } from "../cost/memory.js";

export const AREA_LANES = 16;
export const FLOAT_WEIGHT_BITS = 32;

export interface HwArea {
  /** Analytic iCE40 LUT4 estimate. */
  lut4: number;
  /** iCE40 4-kbit EBR blocks (weights, biases, activation buffers, logits). */
  ebr: number;
}

const cache = new Map<string, HwArea>();

function manifestFor(sizes: readonly number[], levels: number, signalBits: number, lanes: number): HwManifest {
  const net = randomDenseNetwork({ name: "area", seed: 1, sizes: [...sizes], levels, signalBits, inputBits: 8 });
  return parseManifest(buildManifest(planRtl(net, lanes), net), "area model");
}

/** The ternary manifest with every weight `bits` wide (see the module comment). */
export function widenWeights(m: HwManifest, bits: number): HwManifest {
  const extra = (l: HwManifest["layers"][number]) => bits - l.weightBits;
  const layers = m.layers.map((l) => {
    const lanes = l.weightRomWidth / l.weightBits;
    const biasBits = l.biasRomWidth / m.lanes;
    const grow = extra(l);
    return {
      ...l,
      weightBits: bits,
      weightRomWidth: lanes * bits,
      weightRomBits: l.weightRomDepth * lanes * bits,
      biasRomWidth: m.lanes * (biasBits + grow),
      biasRomBits: l.biasRomDepth * m.lanes * (biasBits + grow),
      accBits: l.accBits + grow,
    };
  });
  return {
    ...m,
    layers,
    accBits: Math.max(...layers.map((l) => l.accBits)),
    romBits: layers.reduce((s, l) => s + l.weightRomBits, 0),
    biasRomBits: layers.reduce((s, l) => s + l.biasRomBits, 0),
  };
}

function price(m: HwManifest): HwArea {
  return { lut4: analyticEstimate(m).ice40.lut4, ebr: memorySummary(m).ice40.ebr };
}

/**
 * Area of an FFDNN (input 784, hidden widths, 10 classes) at `levels` (0 = float, priced with
 * 32-bit weights) and `signalBits`-bit signals on an AREA_LANES-lane accelerator.
 */
export function ffdnnArea(hidden: readonly number[], levels: number, signalBits: number, lanes = AREA_LANES): HwArea {
  const key = `${hidden.join("x")}|${levels}|${signalBits}|${lanes}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const sizes = [784, ...hidden, 10];
  const area = levels === 0 ? price(widenWeights(manifestFor(sizes, 3, signalBits, lanes), FLOAT_WEIGHT_BITS)) : price(manifestFor(sizes, levels, signalBits, lanes));
  cache.set(key, area);
  return area;
}
