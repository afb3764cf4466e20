/**
 * The designs of the analytic cost model's calibration set (bench/cost.ts): seeded random dense
 * networks and CNNs of different widths, depths, levels M and lane counts P.
 */
import type { Network } from "../src/ir/schema.js";
import { randomChainNetwork, randomDenseNetwork, chainLayer, type ChainLayerSpec } from "../src/ir/random.js";

export interface Spec {
  name: string;
  sizes: number[];
  levels: number;
  lanes: number;
  /** A CNN: the layer chain (sizes then lists the input features and each layer's outputs). */
  chain?: { input: number[]; layers: ChainLayerSpec[] };
  /** Forced mac-array parameters besides the lanes (e.g. a shared requantizer). */
  params?: { requant: "shared" | "per-layer" };
}

const { conv, pool, flatten: flat, dense } = chainLayer;

export const CALIBRATION_SPECS: Spec[] = [
  { name: "cal_64_32_10_m3_p8", sizes: [64, 32, 10], levels: 3, lanes: 8 },
  { name: "cal_64_32_10_m3_p2", sizes: [64, 32, 10], levels: 3, lanes: 2 },
  { name: "cal_64_32_10_m3_p32", sizes: [64, 32, 10], levels: 3, lanes: 32 },
  { name: "cal_64_24_10_m3_p1", sizes: [64, 24, 10], levels: 3, lanes: 1 },
  { name: "cal_128_64_10_m7_p8", sizes: [128, 64, 10], levels: 7, lanes: 8 },
  { name: "cal_100_50_50_10_m3_p4", sizes: [100, 50, 50, 10], levels: 3, lanes: 4 },
  { name: "cal_196_64_10_m3_p16", sizes: [196, 64, 10], levels: 3, lanes: 16 },
  { name: "cal_256_128_10_m15_p8", sizes: [256, 128, 10], levels: 15, lanes: 8 },
  { name: "cal_32_16_16_16_10_m3_p4", sizes: [32, 16, 16, 16, 10], levels: 3, lanes: 4 },
  { name: "cal_784_32_10_m3_p8", sizes: [784, 32, 10], levels: 3, lanes: 8 },
  { name: "cal_128_128_10_m5_p16", sizes: [128, 128, 10], levels: 5, lanes: 16 },
  { name: "cal_196_100_10_m7_p12", sizes: [196, 100, 10], levels: 7, lanes: 12 },
  { name: "cal_64_32_32_32_32_10_m3_p8", sizes: [64, 32, 32, 32, 32, 10], levels: 3, lanes: 8 },
  { name: "cal_96_48_24_10_m5_p6", sizes: [96, 48, 24, 10], levels: 5, lanes: 6 },
  { name: "cal_784_128_128_10_m3_p4", sizes: [784, 128, 128, 10], levels: 3, lanes: 4 },
  { name: "cal_784_128_128_10_m3_p16", sizes: [784, 128, 128, 10], levels: 3, lanes: 16 },
  { name: "cal_784_128_128_10_m3_p64", sizes: [784, 128, 128, 10], levels: 3, lanes: 64 },
  // One requantizer shared by the hidden layers (forced: the plan picks it only when the layers' multipliers share most digits).
  { name: "cal_64_32_32_32_32_10_m3_p8_shared", sizes: [64, 32, 32, 32, 32, 10], levels: 3, lanes: 8, params: { requant: "shared" } },
  { name: "cal_32_16_16_16_10_m3_p4_shared", sizes: [32, 16, 16, 16, 10], levels: 3, lanes: 4, params: { requant: "shared" } },
  // CNNs (window walk, zero padding, pooling on the accumulators).
  { name: "cal_cnn_8x8_c4_fc10_m3_p4", sizes: [64, 4, 10], levels: 3, lanes: 4, chain: { input: [8, 8, 1], layers: [conv(4, 3, 1), pool(2, 2), flat, dense(10)] } },
  { name: "cal_cnn_12x12_c8_c8_fc10_m3_p8", sizes: [144, 8, 8, 10], levels: 3, lanes: 8, chain: { input: [12, 12, 1], layers: [conv(8, 3, 1), pool(2, 2), conv(8, 3, 1), pool(2, 2), flat, dense(10)] } },
  { name: "cal_cnn_10x10x2_c16_fc10_m7_p16", sizes: [200, 16, 10], levels: 7, lanes: 16, chain: { input: [10, 10, 2], layers: [conv(16, 5, 2), pool(3, 2), flat, dense(10)] } },
  { name: "cal_cnn_6x6x3_c8_c4_m3_p3", sizes: [108, 8, 4], levels: 3, lanes: 3, chain: { input: [6, 6, 3], layers: [conv(8, 1, 0), conv(4, 3, 0)] } },
];

/** The spec's mac-array parameters. */
export const specParams = (spec: Spec): Record<string, unknown> => ({ lanes: spec.lanes, ...spec.params });

/** The spec's network (seed 7; a "_shared" variant has its base design's network). */
export function specNetwork(spec: Spec): Network {
  return spec.chain
    ? randomChainNetwork({ name: spec.name, seed: 7, ...spec.chain, levels: spec.levels })
    : randomDenseNetwork({ name: spec.name.replace(/_shared$/, ""), seed: 7, sizes: spec.sizes, levels: spec.levels });
}

/** A held-out design (test/fixtures/yosys/heldout.json): measured, never fitted on. */
export interface HeldoutSpec {
  name: string;
  sizes: number[];
  seed: number;
  levels: number;
  lanes: number;
}

/**
 * The held-out designs: the seeded random 784-128-128-10 (models/random-ternary-784-128-128-10.json)
 * at P = 4, 16, 64 and the seeded random 784-32-10 at P = 1, 8, 32 (seed 1, ternary).
 */
export const HELDOUT_SPECS: HeldoutSpec[] = [
  ...[4, 16, 64].map((lanes) => ({ name: "random_ternary_784_128_128_10", sizes: [784, 128, 128, 10], seed: 1, levels: 3, lanes })),
  ...[1, 8, 32].map((lanes) => ({ name: "random_ternary_784_32_10", sizes: [784, 32, 10], seed: 1, levels: 3, lanes })),
];

export const heldoutKey = (s: HeldoutSpec): string => `${s.name}_p${s.lanes}`;

export const heldoutNetwork = (s: HeldoutSpec): Network => randomDenseNetwork({ name: s.name, seed: s.seed, sizes: s.sizes, levels: s.levels });
