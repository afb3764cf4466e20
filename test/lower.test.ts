/** The lowering (src/hw/lower) on its own: its interpreter gives the reference's integers. */
import { describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { windowAddress, windowOffset } from "../src/hw/lower/address.js";
import { interpretLowered } from "../src/hw/lower/interpret.js";
import { lowerNetwork } from "../src/hw/lower/lower.js";
import type { LoweredNetwork } from "../src/hw/lower/types.js";
import { loadNetwork } from "../src/ir/io.js";
import { randomChainNetwork, randomDenseNetwork, randomInputs } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { infer, inputSize } from "../src/reference/infer.js";
import { makeRng } from "../src/util/rng.js";
import { randomCnnSpec } from "./random-cnn.js";

function lowered(net: Network): LoweredNetwork {
  const l = lowerNetwork(net);
  if (!l.ok) throw new Error(l.refusal);
  return l.network;
}

/** Every logit of the interpreter against the reference, sample by sample. */
function expectSameAsReference(net: Network, inputs: ArrayLike<number>, count: number): void {
  const low = lowered(net);
  const ref = infer(net, inputs as Uint16Array, count);
  const n = inputSize(net);
  for (let s = 0; s < count; s++) {
    const x = Array.from({ length: n }, (_, i) => inputs[s * n + i]!);
    expect(interpretLowered(low, x)).toEqual(Array.from(ref.logits.subarray(s * ref.classes, (s + 1) * ref.classes)));
  }
}

describe("addressing rules", () => {
  // 3x3 kernel, padding 1 on a 4x5 map with 2 channels.
  const w = { input: { height: 4, width: 5, channels: 2 }, kernel: 3, padding: 1, outHeight: 4, outWidth: 5 };
  it("decomposes window input j as (ky, kx, ci) in HWC order", () => {
    expect(windowOffset(w, 0)).toEqual({ ky: 0, kx: 0, ci: 0 });
    expect(windowOffset(w, 1)).toEqual({ ky: 0, kx: 0, ci: 1 });
    expect(windowOffset(w, 7)).toEqual({ ky: 1, kx: 0, ci: 1 });
    expect(windowOffset(w, 17)).toEqual({ ky: 2, kx: 2, ci: 1 });
  });
  it("reads the padding as -1 and the rest at (iy * W + ix) * C + ci", () => {
    expect(windowAddress(w, 0, 0, 0)).toBe(-1); // (-1, -1)
    expect(windowAddress(w, 0, 0, 9)).toBe(1); // ky=1,kx=1,ci=1 -> (0, 0, 1)
    expect(windowAddress(w, 2, 3, 4 * 2 + 0)).toBe((2 * 5 + 3) * 2); // centre
    expect(windowAddress(w, 3, 4, 17)).toBe(-1); // (4, 5) is outside
    expect(windowAddress(w, 3, 4, 8)).toBe((3 * 5 + 4) * 2); // ky=1,kx=1,ci=0 -> (3, 4)
  });
});

describe("lowering of the shipped CNN", () => {
  const net = loadNetwork("models/fashion-ternary-cnn-16-16-32.json");
  const low = lowered(net);
  it("has one stage per weight layer, pooling attached, flatten folded into the dense layer", () => {
    expect(low.stages.map((s) => [s.name, s.fanIn, s.outChannels, s.pixels, s.pool?.name ?? null, s.layers])).toEqual([
      ["conv0", 9, 16, 784, "pool0", [0, 1]],
      ["conv1", 144, 16, 196, "pool1", [2, 3]],
      ["conv2", 144, 32, 49, "pool2", [4, 5]],
      ["fc0", 288, 128, 1, null, [6, 7]],
      ["fc1", 128, 10, 1, null, [8]],
    ]);
    expect(low.stages[2]!.outMap).toEqual({ height: 3, width: 3, channels: 32 }); // 7x7 pooled 2x2: floor
    expect(low.classes).toBe(10);
  });
  it("interprets to the reference's logits on the first 12 Fashion-MNIST test images", () => {
    const test = loadDataset("fashion-mnist").test;
    expectSameAsReference(net, test.images, 12);
  });
});

describe("lowering of seeded random CNNs equals the reference", () => {
  const rng = makeRng("lower-fuzz");
  for (let t = 0; t < 40; t++) {
    const spec = randomCnnSpec(rng);
    const levels = rng.pick([3, 3, 7]);
    const label = `#${t}: ${spec.input.join("x")} ${spec.layers.map((l) => (l.kind === "conv2d" ? `c${l.kernel}p${l.padding}:${l.out}` : l.kind === "maxpool" ? `p${l.size}s${l.stride}` : l.kind === "dense" ? `d${l.out}` : "f")).join(" ")}`;
    it(label, () => {
      const net = randomChainNetwork({ name: `lw${t}`, seed: t, ...spec, levels });
      expectSameAsReference(net, randomInputs(t, 3, inputSize(net), 8), 3);
    });
  }
});

describe("lowering of a dense network", () => {
  it("gives 1x1 windows over 1 x 1 x N maps and the reference's logits", () => {
    const net = randomDenseNetwork({ name: "dense", seed: 4, sizes: [13, 7, 5, 3], levels: 7 });
    const low = lowered(net);
    expect(low.stages.map((s) => [s.window.input, s.window.kernel, s.fanIn, s.outChannels, s.pixels])).toEqual([
      [{ height: 1, width: 1, channels: 13 }, 1, 13, 7, 1],
      [{ height: 1, width: 1, channels: 7 }, 1, 7, 5, 1],
      [{ height: 1, width: 1, channels: 5 }, 1, 5, 3, 1],
    ]);
    expectSameAsReference(net, randomInputs(4, 5, 13, 8), 5);
  });
});

describe("refusals name the layer", () => {
  it("a maxpool on the input image", () => {
    const net = randomChainNetwork({ name: "p", seed: 1, input: [6, 6, 1], layers: [{ kind: "maxpool", size: 2, stride: 2 }, { kind: "conv2d", out: 2, kernel: 3, padding: 0 }] });
    expect(lowerNetwork(net)).toEqual({ ok: false, refusal: 'layer 0 ("maxpool0"): a maxpool must directly follow a conv2d layer (pooling is attached to the layer that feeds it)' });
  });
  it("two maxpools in a row", () => {
    const net = randomChainNetwork({
      name: "pp",
      seed: 1,
      input: [9, 9, 1],
      layers: [{ kind: "conv2d", out: 2, kernel: 1, padding: 0 }, { kind: "maxpool", size: 2, stride: 2 }, { kind: "maxpool", size: 2, stride: 1 }, { kind: "flatten" }, { kind: "dense", out: 2 }],
    });
    const r = lowerNetwork(net);
    expect(r.ok ? "" : r.refusal).toMatch(/^layer 2 \("maxpool2"\): a maxpool must directly follow a conv2d layer/);
  });
});
