/**
 * The guarantee: for every network and vector, the simulated RTL's integers equal the reference's,
 * and the simulated cycles equal the manifest's prediction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomDenseNetwork, randomInputs, type RandomDenseOptions } from "../src/ir/random.js";
import { generateBundle } from "../src/hw/registry.js";
import { cosimulate } from "../src/sim/cosim.js";
import { measuredInterval } from "../src/sim/run.js";
import { makeRng } from "../src/util/rng.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-cosim-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case extends Omit<RandomDenseOptions, "name"> {
  lanes: number;
  vectors: number;
  inputFill?: "random" | "max";
  stall?: number;
}

// Each case: layer sizes (1 to 4 weight layers, widths 1 and primes), input bits 1..8, M in
// {3, 7, 15}, P in {1, 3, 8, 16, wider than the layer}, and the extreme fills.
const cases: Record<string, Case> = {
  single_layer_P1: { seed: 1, sizes: [7, 3], inputBits: 8, levels: 3, lanes: 1, vectors: 6 },
  width_one_everywhere: { seed: 2, sizes: [1, 1, 1], inputBits: 4, levels: 3, lanes: 1, vectors: 8 },
  primes_P3_ternary: { seed: 3, sizes: [13, 11, 7, 5], inputBits: 8, levels: 3, lanes: 3, vectors: 5 },
  primes_P8_m7: { seed: 4, sizes: [17, 13, 5], inputBits: 6, levels: 7, lanes: 8, vectors: 5 },
  four_layers_P16_m15: { seed: 5, sizes: [23, 19, 17, 29, 3], inputBits: 8, levels: 15, signalBits: [8, 5, 8], lanes: 16, vectors: 4 },
  lanes_wider_than_layers: { seed: 6, sizes: [9, 5, 2], inputBits: 8, levels: 3, lanes: 37, vectors: 5 },
  one_bit_inputs_mixed_levels: { seed: 7, sizes: [31, 12, 10], inputBits: 1, levels: [15, 3], signalBits: 1, lanes: 3, vectors: 6 },
  all_plus_K_max_inputs: { seed: 8, sizes: [19, 11, 4], inputBits: 8, levels: 7, fill: "max", inputFill: "max", lanes: 8, vectors: 3 },
  all_minus_K_max_inputs: { seed: 9, sizes: [19, 11, 4], inputBits: 8, levels: 15, fill: "min", inputFill: "max", lanes: 3, vectors: 3 },
  all_zero_weights: { seed: 10, sizes: [16, 8, 5], inputBits: 8, levels: 3, fill: "zero", lanes: 16, vectors: 3 },
  ternary_max_inputs_P16: { seed: 11, sizes: [41, 37, 10], inputBits: 8, levels: 3, fill: "max", inputFill: "max", lanes: 16, vectors: 3 },
  fewer_inputs_than_lanes_stalls: { seed: 12, sizes: [2, 29, 3, 7], inputBits: 3, levels: [3, 7, 15], lanes: 16, vectors: 5 },
  three_bit_signals_P3: { seed: 13, sizes: [10, 10, 10, 10], inputBits: 2, levels: 7, signalBits: 3, lanes: 3, vectors: 6 },
  backpressure_random_stalls: { seed: 14, sizes: [12, 9, 4], inputBits: 8, levels: 3, lanes: 4, vectors: 6, stall: 40 },
  // More than 64 lanes (the drain is a generate loop of stages; a for loop over the array failed lint there).
  lanes_above_64_partial_groups: { seed: 15, sizes: [20, 150, 70, 10], inputBits: 8, levels: 3, lanes: 65, vectors: 3 },
  lanes_above_64_stalls: { seed: 16, sizes: [9, 130, 6], inputBits: 5, levels: 7, lanes: 100, vectors: 3, stall: 30 },
};

describe("RTL equals the reference on every vector", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const net = randomDenseNetwork({ name, ...c });
      const dir = join(work, name);
      const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: c.lanes });
      const inputs = randomInputs(c.seed, c.vectors, c.sizes[0]!, c.inputBits ?? 8, c.inputFill ?? "random");
      const report = await cosimulate(net, dir, inputs, c.vectors, { runDir: join(dir, "run"), stall: c.stall ?? 0, seed: c.seed });
      expect(report.mismatches).toEqual([]);
      expect(report.sim.vectors).toHaveLength(c.vectors);
      if (!c.stall) {
        for (const cycles of report.cycles) expect(cycles).toBe(manifest.timing.latency);
        expect(measuredInterval(report.sim.vectors) ?? manifest.timing.interval).toBe(manifest.timing.interval);
        expect(manifest.timing.latency).toBeGreaterThanOrEqual(manifest.timing.ideal);
      }
    });
  }
});

describe("cycle count for large layers", () => {
  it("784-64-10 with P = 16 is exactly predicted and within 5% of sum ceil(N_out/P) N_in", async () => {
    const net = randomDenseNetwork({ name: "large", seed: 21, sizes: [784, 64, 10], levels: 3 });
    const dir = join(work, "large");
    const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: 16 });
    const inputs = randomInputs(21, 2, 784, 8);
    const report = await cosimulate(net, dir, inputs, 2, { runDir: join(dir, "run") });
    expect(report.mismatches).toEqual([]);
    expect(report.cycles).toEqual([manifest.timing.latency, manifest.timing.latency]);
    const ideal = manifest.timing.ideal;
    expect(ideal).toBe(4 * 784 + 1 * 64);
    expect(manifest.timing.latency / ideal).toBeLessThan(1.05);
  });
});

describe("seeded random configurations", () => {
  // 24 random networks: depth 1-4, widths among small primes and powers of two, any odd M up to 15,
  // input and signal bits 1-8, P from 1 to 64, weight fills including the extremes, and random stalls.
  const rng = makeRng("cosim-fuzz");
  for (let t = 0; t < 24; t++) {
    const depth = rng.int(1, 4);
    const sizes = Array.from({ length: depth + 1 }, () => rng.pick([1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 40]));
    const levels = Array.from({ length: depth }, () => rng.pick([3, 5, 7, 9, 15]));
    const inputBits = rng.int(1, 8);
    const signalBits = rng.int(1, 8);
    const lanes = rng.pick([1, 2, 3, 4, 8, 16, 33, 64]);
    const stall = rng.pick([0, 0, 30]);
    const fill = rng.pick(["random", "random", "random", "max", "min", "zero"] as const);
    const inputFill = rng.next() < 0.2 ? ("max" as const) : ("random" as const);
    it(`#${t}: ${sizes.join("-")} M=${levels.join("/")} B=${inputBits}/${signalBits} P=${lanes} ${fill}${stall ? ` stall ${stall}%` : ""}`, async () => {
      const net = randomDenseNetwork({ name: `fz${t}`, seed: t, sizes, levels, inputBits, signalBits, fill });
      const dir = join(work, `fz${t}`);
      const { manifest } = await generateBundle(net, dir, "mac-array", { lanes });
      const x = randomInputs(t, 4, sizes[0]!, inputBits, inputFill);
      const r = await cosimulate(net, dir, x, 4, { stall, seed: t, runDir: join(dir, "run") });
      expect(r.mismatches).toEqual([]);
      if (!stall) expect(r.cycles).toEqual([1, 2, 3, 4].map(() => manifest.timing.latency));
    });
  }
});
