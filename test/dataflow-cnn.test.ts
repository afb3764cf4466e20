/**
 * CNNs on the dataflow architecture: conv2d through the sliding-window generator (zero padding by
 * the generator, SIMD as parts of a pixel or whole pixels of the window), max-pooling as a running
 * maximum per PE (any size and stride, maps the windows do not divide, overlapping windows),
 * flatten as ordering. Over named extremes and seeded random CNNs with random foldings (PE and SIMD
 * 1, primes, full width, any legal value; input widths likewise): every integer of the simulated
 * RTL equals the reference with and without random stalls on both ports; without stalls every
 * image's first-input and last-output cycle equals the cycle model, so the measured latency and
 * interval equal the prediction; the bundle lints clean (test/dataflow-check.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chainLayer, randomChainNetwork, randomInputs, type ChainLayerSpec } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { inputSize } from "../src/reference/infer.js";
import { generateBundle } from "../src/hw/registry.js";
import { convSimdChoices, type Folding } from "../src/hw/dataflow/fold.js";
import { planDataflow } from "../src/hw/dataflow/plan.js";
import { lowerNetwork } from "../src/hw/lower/lower.js";
import { makeRng, type Rng } from "../src/util/rng.js";
import { pickFold, pickFrom } from "./fold-picks.js";
import { expectExactDataflow, imagesFor } from "./dataflow-check.js";
import { randomCnnSpec } from "./random-cnn.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-dataflow-cnn-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { conv, pool, flatten: flat, dense } = chainLayer;

/** A random legal folding (PE | outputs; SIMD a divisor of a dense layer's inputs or a legal window chunk). */
function randomFolding(rng: Rng, net: Network): Folding {
  const lowered = lowerNetwork(net);
  if (!lowered.ok) throw new Error(lowered.refusal);
  const stages = lowered.network.stages;
  const first = stages[0]!;
  return {
    inputPerBeat: pickFold(rng, first.source === "conv2d" ? first.window.input.channels : inputSize(net)),
    layers: stages.map((s) => ({
      pe: pickFold(rng, s.outChannels),
      simd: s.source === "conv2d" ? pickFrom(rng, convSimdChoices(s.window.kernel, s.window.input.channels)) : pickFold(rng, s.fanIn),
    })),
  };
}

/** Keeps simulation short: a random folding whose interval stays within `budget` cycles. */
function boundedFolding(rng: Rng, net: Network, budget: number): Folding {
  for (let tries = 0; tries < 50; tries++) {
    const f = randomFolding(rng, net);
    if (planDataflow(net, f).interval <= budget) return f;
  }
  throw new Error(`no random folding within ${budget} cycles`);
}

interface Case {
  input: [number, number, number];
  layers: ChainLayerSpec[];
  levels?: number;
  inputBits?: number;
  signalBits?: number;
  folding?: Folding;
  stall: number;
}

async function check(name: string, seed: number, c: Case): Promise<void> {
  const net = randomChainNetwork({ name, seed, input: c.input, layers: c.layers, levels: c.levels ?? 3, inputBits: c.inputBits ?? 8, signalBits: c.signalBits ?? 8 });
  const folding = c.folding ?? boundedFolding(makeRng(`df-cnn-fold:${name}`), net, 4000);
  const dir = join(work, name);
  const { manifest } = await generateBundle(net, dir, "dataflow", { fold: folding });
  const count = imagesFor(manifest, 3);
  await expectExactDataflow(net, dir, manifest, randomInputs(seed, count, inputSize(net), c.inputBits ?? 8), count, c.stall, seed);
}

const label = (layers: ChainLayerSpec[]) =>
  layers.map((l) => (l.kind === "conv2d" ? `c${l.kernel}p${l.padding}:${l.out}` : l.kind === "maxpool" ? `p${l.size}s${l.stride}` : l.kind === "dense" ? `d${l.out}` : "f")).join(" ");

// Named cases pin the extremes of the window generator and the pooling.
const cases: Record<string, Case> = {
  // Whole 3x3x2 window per cycle (9 buffer copies), overlapping 3x3/2 pooling, then a 2x2/3 pooling with gaps.
  full_window_overlap_gaps: {
    input: [9, 7, 2],
    layers: [conv(5, 3, 2), pool(3, 2), conv(4, 3, 1), pool(2, 3), flat, dense(3)],
    folding: { inputPerBeat: 2, layers: [{ pe: 5, simd: 18 }, { pe: 2, simd: 15 }, { pe: 3, simd: 4 }] },
    stall: 35,
  },
  // Chunks of a pixel (SIMD 3 of 6 channels), maximal padding of a 5x5 kernel, 1x1 pooling with stride 2.
  chunks_pad4_subsample: {
    input: [6, 5, 6],
    layers: [conv(7, 5, 4), pool(1, 2), flat, dense(2)],
    folding: { inputPerBeat: 3, layers: [{ pe: 7, simd: 3 }, { pe: 1, simd: 1 }] },
    stall: 20,
  },
  // A conv layer producing the logits (a 4x4x3 map), 7-level weights, a 1x1 input map before it.
  conv_logits: {
    input: [4, 4, 3],
    layers: [conv(5, 3, 1), conv(3, 1, 0)],
    levels: 7,
    inputBits: 4,
    signalBits: 5,
    folding: { inputPerBeat: 1, layers: [{ pe: 1, simd: 27 }, { pe: 3, simd: 5 }] },
    stall: 40,
  },
  // A 1x1 image, 1-bit signals, one channel everywhere.
  one_pixel_one_bit: {
    input: [1, 1, 1],
    layers: [conv(1, 3, 1), conv(1, 1, 0), flat, dense(2)],
    inputBits: 1,
    signalBits: 1,
    folding: { inputPerBeat: 1, layers: [{ pe: 1, simd: 3 }, { pe: 1, simd: 1 }, { pe: 2, simd: 1 }] },
    stall: 25,
  },
};

describe("CNN on the dataflow architecture: RTL equals the reference, cycles equal the model", () => {
  Object.entries(cases).forEach(([name, c], i) => it(`${name}: ${label(c.layers)}`, () => check(name, 200 + i, c)));
});

describe("seeded random CNNs with random foldings and stalls", () => {
  // Kernels 1/3/5, padding 0..k-1, channels up to 13, maps up to 9x9 (odd, non-square), pools
  // 2x2/3x3 with stride 2/3, conv or dense logits, M in {3, 7}.
  const rng = makeRng("dataflow-cnn");
  for (let t = 0; t < 12; t++) {
    const spec = randomCnnSpec(rng, 9, 13);
    const levels = rng.pick([3, 3, 7]);
    const stall = 10 + rng.int(0, 35);
    it(`#${t}: ${spec.input.join("x")} ${label(spec.layers)} M ${levels} stall ${stall}%`, () => check(`dfcnn${t}`, t, { ...spec, levels, stall }));
  }
});

