/** Plan-level properties of the mac-array (widths the templates rely on). */
import { describe, expect, it } from "vitest";
import { loadNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { planMacArray } from "../src/hw/mac-array/plan.js";

describe("mac-array plan", () => {
  // Fuzz reproducer (seed 3): layer fc2's drain bias word wraps to -2^23 with 24-bit accumulators;
  // its width was taken from |word| (25 bits), and the drain's sign extension {-1{...}} failed to elaborate.
  it("drain bias words are at most as wide as the accumulator, and hold every word", () => {
    const net = loadNetwork("test/fixtures/networks/drain-bias-min-word.json");
    const plan = planMacArray(net, 1);
    expect(plan.accBits).toBe(24);
    expect(plan.layers[2]!.drainBias).toContain(-(2 ** 23));
    for (const p of [plan, planMacArray(randomDenseNetwork({ name: "b", seed: 4, sizes: [50, 20, 7] }), 4)])
      for (const l of p.layers) {
        expect(l.biasBits, l.name).toBeLessThanOrEqual(p.accBits);
        for (const w of l.drainBias ?? []) expect([w >= -(2 ** (l.biasBits - 1)), w < 2 ** (l.biasBits - 1)], `${l.name} ${w}`).toEqual([true, true]);
      }
    expect(plan.layers[2]!.biasBits).toBe(24);
  });
});
