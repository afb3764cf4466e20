/**
 * The mac-array's lane schedule (lane-order.ts, schedule.ts) on its own: run through the bundle's
 * ROM images and the walk constants, it gives the reference's logits for every P; the lane groups
 * cover every output once; the cycle model's overhead over the ideal count stays small for every
 * P <= 16 on the shipped CNN.
 */
import { describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { idealCycles, latency } from "../src/hw/mac-array/cycles.js";
import { groupCount, laneGroups, laneOrderOf, type LaneOrder } from "../src/hw/mac-array/lane-order.js";
import { planMacArray, type RtlPlan } from "../src/hw/mac-array/plan.js";
import { biasRomLines, weightRomLines } from "../src/hw/mac-array/rom.js";
import { simulateSchedule } from "../src/hw/mac-array/schedule.js";
import { loadNetwork } from "../src/ir/io.js";
import { randomChainNetwork, randomInputs } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { infer, inputSize } from "../src/reference/infer.js";
import { makeRng } from "../src/util/rng.js";
import { randomCnnSpec } from "./random-cnn.js";

const roms = (plan: RtlPlan) => plan.layers.map((l) => ({ weights: weightRomLines(l, plan.lanes), biases: biasRomLines(l) }));

function expectReference(net: Network, lanes: number, inputs: ArrayLike<number>, count: number): void {
  const plan = planMacArray(net, lanes);
  const r = roms(plan);
  const ref = infer(net, inputs as Uint16Array, count);
  const n = inputSize(net);
  for (let s = 0; s < count; s++) {
    const x = Array.from({ length: n }, (_, i) => inputs[s * n + i]!);
    expect(simulateSchedule(plan, r, x)).toEqual(Array.from(ref.logits.subarray(s * ref.classes, (s + 1) * ref.classes)));
  }
}

describe("lane groups", () => {
  const cases: [LaneOrder, number, number, number][] = [
    ["channels", 5, 16, 7],
    ["outputs", 5, 16, 7],
    ["outputs", 9, 32, 15],
    ["outputs", 1, 16, 7],
    ["channels", 3, 10, 16],
    ["outputs", 4, 6, 4],
  ];
  for (const [order, pixels, channels, lanes] of cases)
    it(`${order}: ${pixels} pixels x ${channels} channels over P = ${lanes}: every output once, in order`, () => {
      const groups = [...laneGroups(order, pixels, channels, lanes)];
      expect(groups).toHaveLength(groupCount(order, pixels, channels, lanes));
      const outputs = groups.flatMap((g) => Array.from({ length: g.size }, (_, k) => g.base + k));
      expect(outputs).toEqual(Array.from({ length: pixels * channels }, (_, o) => o));
      for (const g of groups) expect(g.base).toBe(g.pixel * channels + g.phase);
      if (order === "outputs") expect(groups.slice(0, -1).every((g) => g.size === lanes)).toBe(true);
    });
  it("orders over outputs only where P < C does not divide C and there is more than one pixel", () => {
    expect([laneOrderOf(196, 16, 16), laneOrderOf(196, 16, 15), laneOrderOf(196, 16, 17), laneOrderOf(1, 128, 15), laneOrderOf(9, 32, 8)]).toEqual([
      "channels",
      "outputs",
      "channels",
      "channels",
      "channels",
    ]);
  });
});

describe("the shipped CNN through the schedule", () => {
  const net = loadNetwork("models/fashion-ternary-cnn-16-16-32.json");
  const test = loadDataset("fashion-mnist").test;
  for (const lanes of [1, 5, 7, 15, 16])
    it(`P = ${lanes}: the reference's logits on 3 test images`, () => expectReference(net, lanes, test.images, 3));
  it("cycles within 5% of the ideal count for every P from 1 to 16", () => {
    const overhead = Array.from({ length: 16 }, (_, i) => {
      const plan = planMacArray(net, i + 1);
      return latency(plan) / idealCycles(plan) - 1;
    });
    expect(Math.max(...overhead)).toBeLessThan(0.05);
  });
});

describe("seeded random CNNs through the schedule equal the reference", () => {
  const rng = makeRng("schedule-fuzz");
  for (let t = 0; t < 30; t++) {
    const spec = randomCnnSpec(rng, 12);
    const lanes = rng.pick([1, 2, 3, 5, 6, 7, 9, 12, 15, 16, 31, 40]);
    const levels = rng.pick([3, 3, 7]);
    const label = spec.layers.map((l) => (l.kind === "conv2d" ? `c${l.kernel}p${l.padding}:${l.out}` : l.kind === "maxpool" ? `p${l.size}s${l.stride}` : l.kind === "dense" ? `d${l.out}` : "f")).join(" ");
    it(`#${t}: ${spec.input.join("x")} ${label} P=${lanes}`, () => {
      const net = randomChainNetwork({ name: `sc${t}`, seed: t, ...spec, levels });
      expectReference(net, lanes, randomInputs(t, 2, inputSize(net), 8), 2);
    });
  }
});
