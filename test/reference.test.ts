/** The integer reference model on hand-computed known answers. */
import { describe, expect, it } from "vitest";
import { parseNetwork } from "../src/ir/io.js";
import type { Layer, Network } from "../src/ir/schema.js";
import { evaluate, infer, requantize } from "../src/reference/infer.js";

const requant = (multiplier: number, shift: number, bits: number) => ({ kind: "requant" as const, multiplier, shift, bits, scale: 1 });
const net = (inputShape: number[], bits: number, layers: Layer[]): Network =>
  parseNetwork({ format: "tritforge-qnet", version: 1, name: "hand", input: { shape: inputShape, bits, scale: 1 }, layers, provenance: { source: "file", untrained: true } });

describe("requantize", () => {
  it("rounds half up then floors (arithmetic shift) and clamps to [0, 2^B - 1]", () => {
    expect(requantize(5, 1, 1, 8)).toBe(3); // (5 + 1) >> 1
    expect(requantize(4, 3, 2, 8)).toBe(3); // (12 + 2) >> 2
    expect(requantize(-1, 1, 1, 8)).toBe(0); // (-1 + 1) >> 1 = 0
    expect(requantize(-3, 1, 1, 8)).toBe(0); // (-3 + 1) >> 1 = -1 -> ReLU clamp
    expect(requantize(1000, 1, 0, 8)).toBe(255);
    expect(requantize(7, 1, 0, 3)).toBe(7);
    expect(requantize(8, 1, 0, 3)).toBe(7);
  });
});

describe("dense network, worked by hand", () => {
  // 3 -> 2 (ternary) -> 2 (7 levels); 2-bit inputs and hidden signal.
  const n = net([3], 2, [
    { kind: "dense", name: "fc0", inFeatures: 3, outFeatures: 2, levels: 3, delta: 1, weights: [1, -1, 0, 1, 1, 1], bias: [1, -2], output: requant(3, 2, 2) },
    { kind: "dense", name: "fc1", inFeatures: 2, outFeatures: 2, levels: 7, delta: 1, weights: [2, -3, -1, 1], bias: [0, 5], output: { kind: "logits" } },
  ]);
  it("gives the hand-computed logits and classes", () => {
    // x = [3,1,2]: acc = [3, 4] -> h = [(9+2)>>2, (12+2)>>2] = [2, 3]; logits = [4-9, -2+3+5] = [-5, 6]
    // x = [0,3,0]: acc = [-2, 1] -> h = [0, 1]; logits = [-3, 6]
    // x = [0,0,0]: acc = [1, -2] -> h = [1, 0]; logits = [2, 4]
    const r = infer(n, [3, 1, 2, 0, 3, 0, 0, 0, 0], 3);
    expect(Array.from(r.logits)).toEqual([-5, 6, -3, 6, 2, 4]);
    expect(Array.from(r.predicted)).toEqual([1, 1, 1]);
  });
  it("rejects inputs outside the input range", () => {
    expect(() => infer(n, [4, 0, 0], 1)).toThrow(/outside \[0, 3\]/);
  });
  it("counts accuracy and confusion", () => {
    const e = evaluate(n, [3, 1, 2, 0, 3, 0, 0, 0, 0], [1, 0, 1]);
    expect(e).toMatchObject({ samples: 3, correct: 2, accuracy: 2 / 3 });
    expect(e.confusion).toEqual([[0, 1], [0, 2]]);
  });
});

describe("argmax", () => {
  it("takes the lowest index on ties", () => {
    const n = net([2], 8, [{ kind: "dense", name: "fc0", inFeatures: 2, outFeatures: 3, levels: 3, delta: 1, weights: [0, 0, 0, 0, 0, 0], bias: [5, 7, 7], output: { kind: "logits" } }]);
    expect(Array.from(infer(n, [9, 9], 1).predicted)).toEqual([1]);
  });
});

describe("convolution, pooling and flatten, worked by hand", () => {
  it("3x3 image, 3x3 all-ones kernel, padding 1, 2x2 max-pool, dense", () => {
    const n = net([3, 3, 1], 8, [
      { kind: "conv2d", name: "conv0", inChannels: 1, outChannels: 1, kernel: 3, padding: 1, levels: 3, delta: 1, weights: new Array(9).fill(1), bias: [0], output: requant(1, 0, 8) },
      { kind: "maxpool", name: "pool0", size: 2, stride: 2 },
      { kind: "flatten", name: "flat" },
      { kind: "dense", name: "fc0", inFeatures: 1, outFeatures: 2, levels: 3, delta: 1, weights: [1, -1], bias: [0, 100], output: { kind: "logits" } },
    ]);
    // Neighbourhood sums of 1..9: top-left 2x2 window of the conv output is {12, 21, 27, 45}; max 45.
    const r = infer(n, [1, 2, 3, 4, 5, 6, 7, 8, 9], 1);
    expect(Array.from(r.logits)).toEqual([45, 55]);
  });
  it("reads activations in HWC order (channel fastest) and flattens HWC", () => {
    // 1x2 image with 2 channels: pixel p = (ch0, ch1). A 1x1 conv computing ch0 - ch1 and ch1,
    // then flatten gives [p0.o0, p0.o1, p1.o0, p1.o1]; the dense layer picks each with a one-hot row.
    const n = net([1, 2, 2], 8, [
      { kind: "conv2d", name: "conv0", inChannels: 2, outChannels: 2, kernel: 1, padding: 0, levels: 3, delta: 1, weights: [1, -1, 0, 1], bias: [0, 0], output: requant(1, 0, 8) },
      { kind: "flatten", name: "flat" },
      { kind: "dense", name: "fc0", inFeatures: 4, outFeatures: 4, levels: 3, delta: 1, weights: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], bias: [0, 0, 0, 0], output: { kind: "logits" } },
    ]);
    const r = infer(n, [10, 3, 20, 5], 1); // pixel0 = (10, 3), pixel1 = (20, 5)
    expect(Array.from(r.logits)).toEqual([7, 3, 15, 5]);
  });
});
