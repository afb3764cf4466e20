/** Interval arithmetic of the seeded study, on hand-computed cases. */
import { describe, expect, it } from "vitest";
import { bootstrapGroups, formatInterval, quantileSorted, sampleSd, separate, tInterval, tQuantile975 } from "../src/report/intervals.js";

describe("Student-t intervals", () => {
  it("t quantiles: table values and the large-df expansion", () => {
    expect(tQuantile975(1)).toBe(12.7062);
    expect(tQuantile975(2)).toBe(4.3027);
    expect(tQuantile975(30)).toBe(2.0423);
    // Exact: t(0.975, 60) = 2.000298, t(0.975, 120) = 1.979930.
    expect(tQuantile975(60)).toBeCloseTo(2.000298, 4);
    expect(tQuantile975(120)).toBeCloseTo(1.97993, 4);
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });

  it("three seeds 1, 2, 3: mean 2, sd 1, half-width 4.3027/sqrt(3) = 2.48416", () => {
    const i = tInterval([1, 2, 3]);
    expect(i.n).toBe(3);
    expect(i.mean).toBe(2);
    expect(i.sd).toBe(1);
    expect(i.lo).toBeCloseTo(2 - 2.484164, 5);
    expect(i.hi).toBeCloseTo(2 + 2.484164, 5);
  });

  it("two seeds 85% and 87%: sd 1.41421 pp, half-width 12.7062 x 1 pp = 12.71 pp", () => {
    const i = tInterval([0.85, 0.87]);
    expect(i.sd).toBeCloseTo(0.0141421, 6);
    expect(i.lo).toBeCloseTo(0.86 - 0.127062, 6);
    expect(i.hi).toBeCloseTo(0.86 + 0.127062, 6);
    expect(formatInterval(i)).toBe("86.00% ± 12.71");
  });

  it("one seed has no interval; equal seeds a zero-width one", () => {
    const one = tInterval([0.9]);
    expect(one.mean).toBe(0.9);
    expect(one.sd).toBeNaN();
    expect(one.lo).toBeNaN();
    expect(formatInterval(one)).toBe("90.00%");
    expect(sampleSd([0.9])).toBeNaN();
    const same = tInterval([0.5, 0.5, 0.5]);
    expect([same.lo, same.hi]).toEqual([0.5, 0.5]);
  });

  it("separation: disjoint intervals separate, overlapping or missing ones do not", () => {
    const a = tInterval([1, 2, 3]); // [-0.48, 4.48]
    const b = tInterval([10, 11, 12]); // [8.52, 13.48]
    const c = tInterval([4, 5, 6]); // [2.52, 7.48]
    expect(separate(a, b)).toBe(true);
    expect(separate(b, a)).toBe(true);
    expect(separate(a, c)).toBe(false);
    expect(separate(a, tInterval([100]))).toBe(false);
  });
});

describe("percentile bootstrap over seeds", () => {
  it("quantiles interpolate linearly (type 7)", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([10, 20], 0.025)).toBeCloseTo(10.25, 12);
  });

  it("one group [0, 1], statistic = its mean: replicates are 0, 0.5 or 1, so the 95% interval is [0, 1]", () => {
    const b = bootstrapGroups([[0, 1]], (g) => (g[0]![0]! + g[0]![1]!) / 2, "t");
    expect(b.value).toBe(0.5);
    expect(b.lo).toBe(0);
    expect(b.hi).toBe(1);
    expect(b.replicates).toBe(2000);
  });

  it("seeds that agree give a zero-width interval; single seeds give none; the same seed gives the same interval", () => {
    const stat = (gs: readonly (readonly number[])[]) => gs.flat().reduce((a, x) => a + x, 0);
    const same = bootstrapGroups([[1, 1], [2, 2, 2]], stat, "s");
    expect([same.value, same.lo, same.hi]).toEqual([8, 8, 8]);
    const none = bootstrapGroups([[1], [2]], stat, "s");
    expect(none.value).toBe(3);
    expect(none.lo).toBeNaN();
    const g = [[0.1, 0.3, 0.2], [0.5, 0.4, 0.9]];
    expect(bootstrapGroups(g, stat, "x")).toEqual(bootstrapGroups(g, stat, "x"));
  });
});
