/** docs/hardware.md's overhead rule, checked against the cycle model (which the co-simulations check against the RTL). */
import { describe, expect, it } from "vitest";
import { latency, idealCycles } from "../src/hw/mac-array/cycles.js";
import { planMacArray } from "../src/hw/mac-array/plan.js";
import { randomDenseNetwork } from "../src/ir/random.js";

/**
 * The documented rule for N_in >= P: ideal + sum over layers of (n_last + 4 + R), plus 1 + classes
 * (R: the requantizer's register stages).
 */
function documented(sizes: number[], lanes: number, requantStages: number): number {
  let cycles = 0;
  for (let i = 1; i < sizes.length; i++) {
    const nIn = sizes[i - 1]!;
    const nOut = sizes[i]!;
    const groups = Math.ceil(nOut / lanes);
    const nLast = nOut - (groups - 1) * lanes;
    cycles += groups * nIn + nLast + 4 + requantStages;
  }
  return cycles + 1 + sizes[sizes.length - 1]!;
}

describe("the documented cycle overhead", () => {
  it("gives the docs' example: 784-256-256-10 at P = 16 (R = 2) takes 16,967 cycles, 71 over the ideal 16,896", () => {
    const plan = planMacArray(randomDenseNetwork({ name: "doc", seed: 1, sizes: [784, 256, 256, 10] }), 16);
    expect(idealCycles(plan)).toBe(16896);
    expect(plan.requantStages).toBe(2);
    expect(latency(plan)).toBe(16967);
    expect(documented([784, 256, 256, 10], 16, plan.requantStages)).toBe(16967);
  });

  for (const [sizes, lanes] of [
    [[784, 256, 256, 256, 10], 16],
    [[100, 37, 10], 8],
    [[64, 64, 64, 3], 64],
    [[300, 129, 65, 10], 65],
    [[13, 11, 7, 5], 3],
  ] as Array<[number[], number]>)
    it(`matches the model for ${sizes.join("-")} at P = ${lanes}`, () => {
      const plan = planMacArray(randomDenseNetwork({ name: "r", seed: 2, sizes }), lanes);
      expect(latency(plan)).toBe(documented(sizes, lanes, plan.requantStages));
    });
});
