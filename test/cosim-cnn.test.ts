/**
 * The guarantee for CNNs on the mac-array: conv2d (window walk, zero padding by the address
 * generator), max-pooling (any size and stride, maps the windows do not divide), flatten and dense
 * layers; every integer equals the reference and the measured cycles equal the plan's prediction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomChainNetwork, randomInputs, chainLayer, type ChainLayerSpec } from "../src/ir/random.js";
import { inputSize } from "../src/reference/infer.js";
import { generateBundle } from "../src/hw/registry.js";
import { cosimulate } from "../src/sim/cosim.js";
import { measuredInterval } from "../src/sim/run.js";
import { makeRng } from "../src/util/rng.js";
import { randomCnnSpec } from "./random-cnn.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-cosim-cnn-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { conv, pool, flatten: flat, dense } = chainLayer;

interface Case {
  input: [number, number, number];
  layers: ChainLayerSpec[];
  lanes: number;
  levels?: number;
  inputBits?: number;
  signalBits?: number;
  stall?: number;
}

async function check(name: string, seed: number, c: Case): Promise<void> {
  const net = randomChainNetwork({ name, seed, input: c.input, layers: c.layers, levels: c.levels ?? 3, inputBits: c.inputBits ?? 8, signalBits: c.signalBits ?? 8 });
  const dir = join(work, name);
  const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: c.lanes });
  const vectors = 2;
  const x = randomInputs(seed, vectors, inputSize(net), c.inputBits ?? 8);
  const r = await cosimulate(net, dir, x, vectors, { runDir: join(dir, "run"), stall: c.stall ?? 0, seed });
  expect(r.mismatches).toEqual([]);
  expect(r.sim.vectors).toHaveLength(vectors);
  if (!c.stall) {
    expect(r.cycles).toEqual([manifest.timing.latency, manifest.timing.latency]);
    expect(measuredInterval(r.sim.vectors)).toBe(manifest.timing.interval);
  }
}

// Named cases pin the extremes; the seeded ones below mix everything.
const cases: Record<string, Case> = {
  // 28x28 map, 5x5 kernel with maximal padding (32x32 out), 3x3/3 pooling that does not divide 32.
  map28_k5_pad4_pool3s3: { input: [28, 28, 1], layers: [conv(2, 5, 4), pool(3, 3), flat, dense(3)], lanes: 3 },
  // A 1x1 image: 1x1 kernel, 33 channels over P = 16 (3 groups, the last of one lane).
  map1x1_33_channels: { input: [1, 1, 1], layers: [conv(33, 1, 0), flat, dense(2)], lanes: 16 },
  // conv -> pool -> conv -> flatten -> dense; prime channel counts; 2x2/2 pooling of an odd 5x5 map.
  chain_primes_odd_map: { input: [5, 5, 3], layers: [conv(13, 3, 1), pool(2, 2), conv(31, 1, 0), flat, dense(10)], lanes: 8, levels: 7 },
  // A conv layer producing the logits (7x7x3 = 147 of them), P = 1.
  conv_logits_P1: { input: [7, 7, 2], layers: [conv(5, 3, 0), conv(3, 3, 2)], lanes: 1, levels: 15, inputBits: 4, signalBits: 5 },
  // Overlapping 3x3/2 pooling (pixels shared by windows) and a 2x2/3 pooling with gaps.
  overlap_and_gaps: { input: [11, 9, 1], layers: [conv(7, 3, 2), pool(3, 2), conv(5, 3, 1), pool(2, 3), flat, dense(3)], lanes: 3 },
  // More lanes than any channel count.
  lanes_wider_than_channels: { input: [6, 6, 2], layers: [conv(11, 5, 2), pool(2, 2), flat, dense(17), dense(3)], lanes: 40 },
  // Random back-pressure on both streams.
  random_stalls: { input: [9, 9, 1], layers: [conv(8, 3, 1), pool(3, 3), flat, dense(5)], lanes: 8, stall: 40 },
  // Channel count 1 everywhere, 1-bit signals.
  one_channel_one_bit: { input: [13, 13, 1], layers: [conv(1, 3, 0), pool(2, 2), conv(1, 1, 0), flat, dense(2)], lanes: 1, inputBits: 1, signalBits: 1 },
  // P not dividing the channel counts: lanes over outputs (groups spanning two pixels, the second
  // walker wrapping rows, rotated weights, the drain's bias channel wrapping).
  outputs_p7_shipped_shape: { input: [12, 12, 1], layers: [conv(16, 3, 1), pool(2, 2), conv(16, 3, 1), pool(2, 2), flat, dense(10)], lanes: 7 },
  outputs_p15_two_convs: { input: [10, 10, 2], layers: [conv(16, 3, 1), pool(2, 2), conv(32, 3, 1), pool(2, 2), flat, dense(10)], lanes: 15 },
  outputs_p5_odd_maps_stalls: { input: [9, 7, 1], layers: [conv(13, 3, 1), pool(3, 2), conv(11, 3, 0), flat, dense(3)], lanes: 5, levels: 7, stall: 35 },
  outputs_p2_conv_logits: { input: [6, 5, 1], layers: [conv(3, 3, 2), conv(5, 1, 0)], lanes: 2, levels: 7 },
};

describe("CNN on the mac-array: RTL equals the reference, cycles equal the prediction", () => {
  Object.entries(cases).forEach(([name, c], i) => it(name, () => check(name, 100 + i, c)));
});

describe("seeded random CNNs", () => {
  // Kernels 1/3/5, padding 0..k-1, channels 1..33, maps up to 12x12 (odd and non-square), pools
  // 2x2/3x3 with stride 2/3, conv or dense logits; P from {1, 3, 8, 16, 40}; some with stalls.
  const rng = makeRng("cosim-cnn-fuzz");
  for (let t = 0; t < 14; t++) {
    const spec = randomCnnSpec(rng, 12);
    const lanes = rng.pick([1, 3, 8, 16, 40]);
    const levels = rng.pick([3, 3, 7]);
    const stall = rng.pick([0, 0, 0, 30]);
    const label = spec.layers.map((l) => (l.kind === "conv2d" ? `c${l.kernel}p${l.padding}:${l.out}` : l.kind === "maxpool" ? `p${l.size}s${l.stride}` : l.kind === "dense" ? `d${l.out}` : "f")).join(" ");
    it(`#${t}: ${spec.input.join("x")} ${label} P=${lanes}${stall ? ` stall ${stall}%` : ""}`, () => check(`cz${t}`, t, { ...spec, lanes, levels, stall }));
  }
});

describe("seeded random CNNs, P not dividing the channel counts", () => {
  const rng = makeRng("cosim-cnn-outputs");
  for (let t = 0; t < 6; t++) {
    const spec = randomCnnSpec(rng, 12);
    const lanes = rng.pick([5, 7, 15]);
    const levels = rng.pick([3, 7]);
    const stall = rng.pick([0, 0, 30]);
    const label = spec.layers.map((l) => (l.kind === "conv2d" ? `c${l.kernel}p${l.padding}:${l.out}` : l.kind === "maxpool" ? `p${l.size}s${l.stride}` : l.kind === "dense" ? `d${l.out}` : "f")).join(" ");
    it(`#${t}: ${spec.input.join("x")} ${label} P=${lanes}${stall ? ` stall ${stall}%` : ""}`, () => check(`co${t}`, 50 + t, { ...spec, lanes, levels, stall }));
  }
});
