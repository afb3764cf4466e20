import { describe, expect, it } from "vitest";
import { costEcr, equivalentFloatSize, formatEcr, memoryEcr, monotoneEnvelope } from "../src/report/ecr.js";

// Float curve: 1,000 weights -> 80 %, 10,000 -> 90 %, 100,000 -> 95 %.
const curve = [
  { size: 10000, accuracy: 0.9 },
  { size: 1000, accuracy: 0.8 },
  { size: 100000, accuracy: 0.95 },
];

describe("effective compression ratio", () => {
  it("interpolates the float size in log(weights): halfway in accuracy is the geometric mean", () => {
    // 85 % is halfway between 1,000 and 10,000 weights: sqrt(1e3 * 1e4) = 3162.28 weights = 101,193 bits at 32 b.
    // Q: 20,000 ternary weights at 2 bits = 40,000 bits -> ECR = 101,193 / 40,000 = 2.5298.
    const e = memoryEcr(curve, 0.85, 40000);
    expect(e.bound).toBe("exact");
    expect(e.floatWeights).toBeCloseTo(3162.2777, 3);
    expect(e.value).toBeCloseTo(2.52982, 4);
    expect(formatEcr(e)).toBe("2.53");
  });

  it("a quarter of the way between 90 % and 95 % is 10^(4.25) weights", () => {
    const e = memoryEcr(curve, 0.9125, 10000);
    expect(e.floatWeights).toBeCloseTo(10 ** 4.25, 2); // 17,782.79
    expect(e.value).toBeCloseTo((32 * 10 ** 4.25) / 10000, 6); // 56.9049
  });

  it("the log2(3) figure: same float side, 20,000 * log2(3) bits for Q", () => {
    const e = memoryEcr(curve, 0.85, 20000 * Math.log2(3));
    expect(e.value).toBeCloseTo(101192.89 / 31699.25, 3); // 3.1923
  });

  it("Q better than every float net is a lower bound from the largest net", () => {
    const e = memoryEcr(curve, 0.97, 40000);
    expect(e.bound).toBe("lower");
    expect(e.value).toBeCloseTo((32 * 100000) / 40000, 9); // 80
    expect(formatEcr(e)).toBe(">= 80.00");
  });

  it("Q worse than the smallest float net is an upper bound from the smallest net", () => {
    const e = memoryEcr(curve, 0.7, 40000);
    expect(e.bound).toBe("upper");
    expect(e.value).toBeCloseTo(0.8, 9); // 32,000 / 40,000
    expect(formatEcr(e)).toBe("<= 0.80");
  });

  it("exactly the smallest or the largest float accuracy is an exact value at that net", () => {
    expect(memoryEcr(curve, 0.8, 40000)).toMatchObject({ bound: "exact", value: 0.8 });
    expect(memoryEcr(curve, 0.95, 40000)).toMatchObject({ bound: "exact", value: 80 });
  });

  it("non-monotone float curves use the monotone envelope: dominated nets are dropped", () => {
    // A 50,000-weight net at 88 % is worse than the 10,000-weight one: it cannot be "the float net reaching 89 %".
    const bumpy = [...curve, { size: 50000, accuracy: 0.88 }, { size: 1000, accuracy: 0.78 }];
    expect(monotoneEnvelope(bumpy)).toEqual([
      { size: 1000, accuracy: 0.8 },
      { size: 10000, accuracy: 0.9 },
      { size: 100000, accuracy: 0.95 },
    ]);
    expect(memoryEcr(bumpy, 0.85, 40000).value).toBeCloseTo(2.52982, 4);
    // A flat step: the smallest net reaching the accuracy is used.
    const flat = [{ size: 1000, accuracy: 0.8 }, { size: 2000, accuracy: 0.9 }, { size: 8000, accuracy: 0.9 }];
    expect(equivalentFloatSize(monotoneEnvelope(flat), 0.9)).toEqual({ size: 2000, bound: "exact" });
  });

  it("cost ECR applies the same rule to any cost axis (area hook)", () => {
    const area = curve.map((p) => ({ size: p.size * 3, accuracy: p.accuracy })); // 3 area units per weight
    const e = costEcr(area, 0.85, 1000);
    expect(e.value).toBeCloseTo((3 * 3162.2777) / 1000, 3);
    expect(costEcr(area, 0.99, 1000).bound).toBe("lower");
  });

  it("rejects empty curves and non-positive memory", () => {
    expect(() => memoryEcr([], 0.9, 10)).toThrow(/no float points/);
    expect(() => memoryEcr(curve, 0.9, 0)).toThrow(/must be positive/);
  });
});
