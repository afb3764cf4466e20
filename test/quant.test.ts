/** The uniform quantizer, the L2-optimal step, requantization parameters and signal helpers. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { requantize } from "../src/reference/infer.js";
import { requantParams, requantRatio } from "../src/quant/requant.js";
import { calibrateSignalScale, percentile, quantizeSignal, signalScaleFromMax } from "../src/quant/signals.js";
import { optimalDelta, quantizationError, quantizeArray, quantizeLevel } from "../src/quant/uniform.js";
import { TritforgeError } from "../src/util/errors.js";
import { makeRng } from "../src/util/rng.js";

describe("quantizeLevel / quantizeArray", () => {
  it("rounds half away from zero and clamps to [-K, K]", () => {
    expect(quantizeLevel(0.5, 1, 3)).toBe(1);
    expect(quantizeLevel(-0.5, 1, 3)).toBe(-1);
    expect(quantizeLevel(0.49, 1, 3)).toBe(0);
    expect(Object.is(quantizeLevel(-0.2, 1, 3), 0)).toBe(true); // no -0
    expect(quantizeLevel(1.5, 1, 7)).toBe(2);
    expect(quantizeLevel(-2.5, 1, 7)).toBe(-3);
    expect(quantizeLevel(10, 1, 7)).toBe(3);
    expect(quantizeLevel(-10, 1, 7)).toBe(-3);
    expect(quantizeLevel(0.75, 0.25, 15)).toBe(3);
    expect(quantizeLevel(-1000, 1, 255)).toBe(-127);
  });
  it("quantizes arrays into Int8Array levels", () => {
    const q = quantizeArray([0.1, -0.9, 1.0, 0.05, 3, -3], 0.95, 3);
    expect(q).toBeInstanceOf(Int8Array);
    expect(Array.from(q)).toEqual([0, -1, 1, 0, 1, -1]);
    expect(Array.from(quantizeArray([200, -200, 1.4], 1, 255))).toEqual([127, -127, 1]);
  });
  it("rejects even, too few or too many levels, bad steps and non-finite weights", () => {
    for (const m of [2, 4, 16, 1, 257, 3.5]) expect(() => quantizeLevel(0, 1, m)).toThrow(TritforgeError);
    expect(() => quantizeArray([1], 1, 4)).toThrow(/odd integer in \[3, 255\], got 4/);
    expect(() => optimalDelta([1, 2], 6)).toThrow(/odd integer/);
    for (const d of [0, -1, NaN, Infinity]) expect(() => quantizeArray([1], d, 3)).toThrow(/positive finite/);
    expect(() => quantizeArray([1, NaN], 1, 3)).toThrow(/non-finite weight NaN at index 1/);
    expect(() => optimalDelta([1, Infinity], 3)).toThrow(/non-finite/);
  });
});

describe("quantizationError and optimalDelta, known answers", () => {
  it("ternary step of a small vector, worked by hand", () => {
    // |w| = 1.0, 0.9, 0.1, 0.05; breakpoints 2|w| = 2, 1.8, 0.2, 0.1. On [0.2, 1.8] the two large
    // weights are +-1 and the small ones 0: E = (d-1)^2 + (d-0.9)^2 + 0.01 + 0.0025, minimal at
    // d = 0.95 (inside), E = 0.0175. The other intervals are best at an end: [1.8, 2] -> d = 1.8,
    // E = 0.64 + 0.81 + 0.0125 = 1.4625; [0.1, 0.2] -> d = 0.2, E = 1.1425; (0, 0.1] -> d = 0.1, E = 1.4525.
    const w = [0.1, -0.9, 1.0, 0.05];
    expect(optimalDelta(w, 3)).toBeCloseTo(0.95, 12);
    expect(quantizationError(w, 0.95, 3)).toBeCloseTo(0.0175, 12);
    expect(quantizationError(w, 1.8, 3)).toBeCloseTo(1.4625, 12);
    expect(quantizationError(w, 0.2, 3)).toBeCloseTo(1.1425, 12);
    expect(quantizationError(w, 0.1, 3)).toBeCloseTo(1.4525, 12);
    expect(Array.from(quantizeArray(w, optimalDelta(w, 3), 3))).toEqual([0, -1, 1, 0]);
  });
  it("finds zero-error steps when the weights sit on a grid", () => {
    expect(optimalDelta([1, 2, 3], 7)).toBeCloseTo(1, 12); // q = 1, 2, 3
    expect(optimalDelta([2, 2, 2, -2], 3)).toBeCloseTo(2, 12);
    expect(quantizationError([0.3, -0.6, 0.9, 0], optimalDelta([0.3, -0.6, 0.9, 0], 7), 7)).toBeLessThan(1e-20);
  });
  it("all-zero and empty input give step 1 and all levels 0 (no NaN)", () => {
    expect(optimalDelta([0, 0, -0, 0], 3)).toBe(1);
    expect(optimalDelta([], 7)).toBe(1);
    expect(Array.from(quantizeArray([0, 0], optimalDelta([0, 0], 3), 3))).toEqual([0, 0]);
    expect(quantizationError([0, 0], 1, 3)).toBe(0);
  });
});

/** Independent oracle: every breakpoint interval, its assignment and error evaluated directly. */
function exhaustiveOptimum(w: number[], levels: number): number {
  const k = (levels - 1) / 2;
  const mags = w.map(Math.abs).filter((x) => x > 0);
  const bps = [...new Set(mags.flatMap((a) => Array.from({ length: k }, (_, l) => a / (l + 0.5))))].sort((x, y) => x - y);
  const edges = [0, ...bps, 2 * Math.max(...mags)];
  let best = Infinity;
  let bestD = 1;
  for (let i = 0; i + 1 < edges.length; i++) {
    const [lo, hi] = [edges[i]!, edges[i + 1]!];
    const mid = (lo + hi) / 2;
    let s1 = 0, s2 = 0;
    for (const a of mags) {
      const q = Math.min(k, Math.floor(a / mid + 0.5));
      s1 += q * a;
      s2 += q * q;
    }
    const cands = [hi, s2 > 0 ? Math.min(hi, Math.max(lo, s1 / s2)) : hi];
    if (lo > 0) cands.push(lo);
    for (const d of cands) {
      const e = quantizationError(w, d, levels);
      if (e < best) [best, bestD] = [e, d];
    }
  }
  return bestD;
}

describe("optimalDelta is the exact L2 optimum", () => {
  it("matches an exhaustive scan of every breakpoint interval on 300 random small vectors", () => {
    const rng = makeRng("exhaustive");
    for (let t = 0; t < 300; t++) {
      const n = rng.int(1, 40);
      const kind = t % 3;
      const w = Array.from({ length: n }, () => (kind === 0 ? rng.normal() : kind === 1 ? rng.int(-3, 3) * 0.25 : rng.normal() ** 3));
      const m = rng.pick([3, 5, 7, 15, 31, 255]);
      const ours = quantizationError(w, optimalDelta(w, m), m);
      const oracle = quantizationError(w, exhaustiveOptimum(w, m), m);
      expect(ours).toBeLessThanOrEqual(oracle * (1 + 1e-9) + 1e-15);
    }
  });

  // Brute force: a geometric grid (step 0.1%) over (0, 2 max|w|], then every coarse local minimum
  // within 0.1% of the best is refined on finer grids (1e-5, then 1e-7 relative), since near-equal
  // minima a few tenths of a percent apart are common in small samples.
  function gridOptimum(w: Float64Array, levels: number): { delta: number; error: number } {
    let amax = 0;
    for (const x of w) amax = Math.max(amax, Math.abs(x));
    const coarse: { delta: number; error: number }[] = [];
    for (let d = amax * 1e-3; d <= 2 * amax; d *= 1.001) coarse.push({ delta: d, error: quantizationError(w, d, levels) });
    const bestCoarse = Math.min(...coarse.map((c) => c.error));
    let best = { delta: amax, error: Infinity };
    const refine = (centre: number, half: number, step: number) => {
      let local = { delta: centre, error: Infinity };
      for (let r = -half; r <= half; r += step) {
        const d = centre * (1 + r);
        const e = quantizationError(w, d, levels);
        if (e < local.error) local = { delta: d, error: e };
      }
      return local;
    };
    coarse.forEach((c, i) => {
      const isMin = (i === 0 || c.error <= coarse[i - 1]!.error) && (i === coarse.length - 1 || c.error <= coarse[i + 1]!.error);
      if (!isMin || c.error > bestCoarse * 1.001) return;
      const mid = refine(c.delta, 1.5e-3, 1e-5);
      const fine = refine(mid.delta, 1.2e-5, 1e-7);
      if (fine.error < best.error) best = fine;
    });
    return best;
  }
  const rng = makeRng("weights");
  const n = 2500;
  const laplace = (b: number) => {
    const u = rng.next() - 0.5;
    return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  };
  const samples: Record<string, Float64Array> = {
    gaussian: Float64Array.from({ length: n }, () => 0.05 * rng.normal()),
    laplacian: Float64Array.from({ length: n }, () => laplace(0.03)),
    // trained-like: a narrow bulk, a wide 10% tail and a few dead (zero) weights
    "heavy-tailed mixture": Float64Array.from({ length: n }, () => {
      const u = rng.next();
      return u < 0.05 ? 0 : u < 0.9 ? 0.02 * rng.normal() : 0.12 * rng.normal();
    }),
  };
  // Real trained weights: samples of every layer of the float Fashion-MNIST 784-256-256-256-10
  // behind the shipped default model (test/fixtures/weights).
  const trained = JSON.parse(readFileSync("test/fixtures/weights/fashion-ffdnn-256x3.json", "utf8")) as { layers: { layer: number; values: number[] }[] };
  for (const l of trained.layers) samples[`trained Fashion-MNIST 256x3 layer ${l.layer}`] = Float64Array.from(l.values);
  for (const [name, w] of Object.entries(samples))
    for (const m of [3, 7, 15])
      it(`${name}, M = ${m}: within 0.1% of the brute-force grid optimum, and no worse`, () => {
        const d = optimalDelta(w, m);
        const grid = gridOptimum(w, m);
        expect(Math.abs(d - grid.delta) / grid.delta).toBeLessThan(1e-3);
        expect(quantizationError(w, d, m)).toBeLessThanOrEqual(grid.error * (1 + 1e-12));
      });

  it("on 200,000 weights the step is a Lloyd fixed point (delta = sum |q||w| / sum q^2 of its own levels)", () => {
    const r = makeRng("lloyd");
    const w = Float32Array.from({ length: 200_000 }, () => (r.next() < 0.8 ? 0.03 : 0.1) * r.normal());
    for (const m of [3, 7, 15, 63]) {
      const d = optimalDelta(w, m);
      const q = quantizeArray(w, d, m);
      let s1 = 0, s2 = 0;
      for (let i = 0; i < w.length; i++) {
        s1 += Math.abs(q[i]! * w[i]!);
        s2 += q[i]! * q[i]!;
      }
      expect(Math.abs(d - s1 / s2) / d).toBeLessThan(1e-9);
      // and no worse than nearby steps
      for (const f of [0.99, 0.999, 1.001, 1.01]) expect(quantizationError(w, d, m)).toBeLessThanOrEqual(quantizationError(w, d * f, m));
    }
  });

  it("Gaussian ternary step is about 1.22 sigma (the known L2-optimal 3-level uniform quantizer)", () => {
    const r = makeRng("sigma");
    const w = Float64Array.from({ length: 100_000 }, () => r.normal());
    expect(optimalDelta(w, 3)).toBeGreaterThan(1.2);
    expect(optimalDelta(w, 3)).toBeLessThan(1.245);
  });
});

describe("requantParams", () => {
  it("gives a 16-bit multiplier in [2^15, 2^16) and relative error <= 2^-16 across ratios", () => {
    const r = makeRng("ratios");
    for (let t = 0; t < 500; t++) {
      const ratio = 10 ** (r.next() * 9 - 6); // 1e-6 .. 1e3
      const { multiplier, shift } = requantParams(ratio, 1e5);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 15);
      expect(multiplier).toBeLessThan(2 ** 16);
      expect(shift).toBeGreaterThanOrEqual(1);
      expect(Math.abs(requantRatio({ multiplier, shift }) - ratio) / ratio).toBeLessThanOrEqual(2 ** -16);
    }
    expect(requantParams(0.5, 100)).toEqual({ multiplier: 2 ** 15, shift: 16 });
  });
  it("keeps accMax * m + 2^(sh-1) below 2^52, trading precision for range", () => {
    const accMax = 2 ** 40;
    const p = requantParams(0.0123, accMax);
    expect(accMax * p.multiplier + 2 ** (p.shift - 1)).toBeLessThan(2 ** 52);
    expect(p.multiplier).toBeGreaterThanOrEqual(2 ** 11); // the most the bound allows is < 2^12
    expect(Math.abs(requantRatio(p) - 0.0123) / 0.0123).toBeLessThanOrEqual(1 / (2 * p.multiplier));
  });
  it("honours multiplierBits", () => {
    const p = requantParams(Math.PI / 100, 1000, { multiplierBits: 8 });
    expect(p.multiplier).toBeGreaterThanOrEqual(128);
    expect(p.multiplier).toBeLessThan(256);
  });
  it("the integer requantizer then matches round(acc * ratio) except within 2^-16 of a tie", () => {
    const ratio = 0.0123456;
    const { multiplier, shift } = requantParams(ratio, 1e6);
    let mismatches = 0;
    for (let acc = -2000; acc <= 200_000; acc++) {
      const exact = Math.min(255, Math.max(0, Math.floor(acc * ratio + 0.5)));
      if (requantize(acc, multiplier, shift, 8) !== exact) {
        mismatches++;
        const frac = acc * ratio - Math.floor(acc * ratio);
        expect(Math.abs(frac - 0.5)).toBeLessThan(Math.abs(acc * ratio) * 2 ** -16 + 1e-12);
      }
    }
    expect(mismatches).toBeLessThan(10);
  });
  it("rejects ratios it cannot represent", () => {
    for (const r of [0, -1, NaN, Infinity]) expect(() => requantParams(r, 10)).toThrow(/positive finite/);
    expect(() => requantParams(1e6, 10)).toThrow(/too large for a 16-bit multiplier/);
    expect(() => requantParams(1e-30, 2 ** 40)).toThrow(/too small/);
    expect(() => requantParams(0.5, 10, { multiplierBits: 25 })).toThrow(/multiplierBits/);
  });
});

describe("signals", () => {
  it("scale from a maximum", () => {
    expect(signalScaleFromMax(255, 8)).toBe(1);
    expect(signalScaleFromMax(3, 2)).toBe(1);
    expect(signalScaleFromMax(1, 8)).toBeCloseTo(1 / 255, 15);
    expect(() => signalScaleFromMax(0, 8)).toThrow(/positive/);
    expect(() => signalScaleFromMax(1, 0)).toThrow(/bits/);
  });
  it("quantizes signals with round half up and clamping", () => {
    expect(quantizeSignal(0.5, 1, 8)).toBe(1);
    expect(quantizeSignal(2.49, 1, 8)).toBe(2);
    expect(quantizeSignal(-3, 1, 8)).toBe(0);
    expect(quantizeSignal(1e9, 1, 8)).toBe(255);
    expect(quantizeSignal(0.3, 0.1, 4)).toBe(3);
    expect(() => quantizeSignal(NaN, 1, 8)).toThrow(TritforgeError);
  });
  it("percentile: known answers and agreement with a sort-based definition", () => {
    const v = Float32Array.from([5, 1, 4, 2, 3]);
    expect([0, 25, 50, 90, 100].map((p) => percentile(v, p))).toEqual([1, 2, 3, 4.6, 5].map((x) => expect.closeTo(x, 6)));
    expect(Array.from(v)).toEqual([5, 1, 4, 2, 3]); // input untouched
    const r = makeRng("pct");
    const big = Float32Array.from({ length: 10_001 }, () => (r.next() < 0.3 ? 0 : r.normal() ** 2));
    const sorted = Array.from(big).sort((a, b) => a - b);
    for (const p of [0, 1, 50, 99, 99.9, 99.99, 100]) {
      const rank = (p / 100) * (big.length - 1);
      const lo = Math.floor(rank);
      const want = sorted[lo]! + (rank - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
      expect(percentile(big, p)).toBeCloseTo(want, 9);
    }
    expect(() => percentile(new Float32Array(0), 50)).toThrow(/empty/);
    expect(() => percentile(v, 101)).toThrow(/\[0, 100\]/);
    expect(() => percentile(Float32Array.from([1, NaN]), 50)).toThrow(/NaN/);
  });
  it("calibrates a scale from activations, with a fallback for dead layers", () => {
    const acts = Float32Array.from({ length: 10_000 }, (_, i) => (i === 0 ? 1000 : (i % 100) / 10)); // one outlier
    expect(calibrateSignalScale(acts, 8, 99)).toBeCloseTo(Math.fround(9.9) / 255, 12); // 99th percentile = 9.9 (as float32)
    expect(calibrateSignalScale(new Float32Array(10), 8)).toBeCloseTo(1 / 255, 12);
  });
});
