/**
 * One requantizer shared by the hidden layers, or one per layer (src/hw/mac-array/requant-share.ts):
 * both structures forced on the same random networks are bit-exact with exact cycles and lint
 * clean; the digit-slot arithmetic equals x * m + rounding for every layer; the rule picks the
 * structure the Yosys measurements found cheaper.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planRequant } from "../src/hw/common/requant.js";
import { loadNetwork } from "../src/ir/io.js";
import { randomDenseNetwork, randomInputs, type RandomDenseOptions } from "../src/ir/random.js";
import { planMacArray } from "../src/hw/mac-array/plan.js";
import { requantChoice, sharedRequant, slotGated } from "../src/hw/mac-array/requant-share.js";
import { generateBundle } from "../src/hw/registry.js";
import { cosimulate } from "../src/sim/cosim.js";
import { lintBundle } from "../src/sim/lint.js";
import { makeRng } from "../src/util/rng.js";

const planRequantOf = (m: number, sh: number, accBits: number) => planRequant(m, sh, 8, accBits);

const work = mkdtempSync(join(tmpdir(), "tritforge-rqshare-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case extends Omit<RandomDenseOptions, "name"> {
  lanes: number;
  vectors: number;
}

// Two to four requantizing layers with different multipliers, shifts, output widths and levels.
const cases: Record<string, Case> = {
  two_hidden_p4: { seed: 31, sizes: [23, 17, 11, 5], inputBits: 8, levels: 3, lanes: 4, vectors: 4 },
  three_hidden_mixed_bits_p3: { seed: 32, sizes: [19, 13, 9, 7, 4], inputBits: 6, levels: [15, 3, 7, 3], signalBits: [8, 4, 6], lanes: 3, vectors: 4 },
  four_hidden_p16_m7: { seed: 33, sizes: [31, 29, 23, 19, 17, 3], inputBits: 8, levels: 7, signalBits: [8, 5, 8, 3], lanes: 16, vectors: 3 },
  one_hidden_p1: { seed: 34, sizes: [9, 6, 3], inputBits: 4, levels: 3, lanes: 1, vectors: 4 },
};

describe("shared and per-layer requantizers are bit-exact with exact cycles", () => {
  for (const [name, c] of Object.entries(cases))
    for (const requant of ["shared", "per-layer"] as const)
      it(`${name}: ${requant}`, async () => {
        const net = randomDenseNetwork({ name, ...c });
        const plan = planMacArray(net, c.lanes, { requant });
        expect(plan.requantSharing.mode).toBe(requant);
        const dir = join(work, `${name}_${requant}`);
        const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: c.lanes, requant });
        expect(manifest.arch.params).toEqual({ lanes: c.lanes, requant });
        const rtl = readFileSync(join(dir, manifest.files.rtl[0]!), "utf8");
        expect(rtl.includes("rq_p_all")).toBe(requant === "shared");
        // No multiplication: the only "*" outside comments, attributes and @(*) index lane words (as lint.test.ts checks).
        const code = rtl.replace(/\/\/.*$/gm, "").replace(/\(\*[^)]*\*\)/g, "").replace(/@\(\*\)/g, "");
        for (const s of [...code.matchAll(/[^\s]*\*[^\s]*/g)].map((m) => m[0])) expect(s).toMatch(/\[k\*\d+(\+\d+)?(\]|$)/);
        const lint = lintBundle(dir);
        expect(lint.messages).toEqual([]);
        const inputs = randomInputs(c.seed, c.vectors, c.sizes[0]!, c.inputBits ?? 8);
        const report = await cosimulate(net, dir, inputs, c.vectors, { runDir: join(dir, "run"), seed: c.seed });
        expect(report.mismatches).toEqual([]);
        for (const cycles of report.cycles) expect(cycles).toBe(manifest.timing.latency);
      });
});

describe("digit-slot arithmetic", () => {
  it("gated slots of x (inverted before the shift for a digit of -1) plus the layer constant give x * m + 2^(sh-1) modulo 2^productBits for every layer", () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 40; trial++) {
      const layers = Array.from({ length: 2 + (trial % 3) }, (_, index) => {
        const multiplier = rng.int(1, 2 ** 18);
        const shift = rng.int(0, 24);
        const accBits = rng.int(4, 22);
        return { index, accBits, multiplier, shift };
      });
      const net = layers.map((l) => ({ index: l.index, accBits: l.accBits, requant: planRequantOf(l.multiplier, l.shift, l.accBits) }));
      const sr = sharedRequant(net);
      const pw = BigInt(sr.productBits);
      const mod = (v: bigint) => ((v % 2n ** pw) + 2n ** pw) % 2n ** pw;
      for (const l of net) {
        for (const x of [0, 1, -1, 2 ** (l.accBits - 1) - 1, -(2 ** (l.accBits - 1)), rng.int(-(2 ** (l.accBits - 1)), 2 ** (l.accBits - 1) - 1)]) {
          const mask = 2n ** pw - 1n;
          let sum = BigInt(sr.constants.find((c) => c.layer === l.index)!.value);
          for (const s of sr.slots) {
            const d = s.digits.find((g) => g.layer === l.index)!.digit;
            const inverted = d < 0 ? mod(BigInt(x)) ^ mask : mod(BigInt(x));
            sum += d === 0 ? 0n : mod(inverted << BigInt(s.shift));
          }
          const expected = BigInt(x) * BigInt(l.requant.multiplier) + BigInt(l.requant.roundConst);
          expect(mod(sum)).toBe(mod(expected));
          // The exact value fits the product width as a signed number, so the clamp reads it correctly.
          expect(expected >= -(2n ** (pw - 1n)) && expected < 2n ** (pw - 1n)).toBe(true);
        }
      }
    }
  });
});

describe("the rule (estimates calibrated on Yosys measurements, docs/hardware.md)", () => {
  it("keeps one tree per layer for the trained 3-hidden-layer networks and a random 2-hidden-layer one (measured cheaper in LUTs), and one tree for one layer", () => {
    for (const [file, lanes] of [["models/fashion-ternary-256x3.json", 16], ["models/mnist-ternary-256x3.json", 16], ["models/random-ternary-784-128-128-10.json", 16]] as const) {
      const plan = planMacArray(loadNetwork(file), lanes);
      expect(plan.requantSharing.mode).toBe("per-layer");
      expect(plan.requantSharing.perLayerCost).toBeLessThan(plan.requantSharing.sharedCost);
    }
    const fashion = planMacArray(loadNetwork("models/fashion-ternary-256x3.json"), 16).requantSharing.shared!;
    expect(fashion.slots).toHaveLength(11);
    expect(fashion.slots.filter(slotGated)).toHaveLength(10);
    const one = planMacArray(loadNetwork("models/mnist-ternary-32.json"), 8);
    expect(one.requantSharing.mode).toBe("per-layer");
    expect(one.requantSharing.shared).toBeNull();
  });

  it("shares the requantizer when the hidden layers' multipliers agree (measured: about half the LUTs), and forcing overrides the estimate", () => {
    const net = loadNetwork("models/mnist-ternary-256x3.json");
    const same = { ...net, layers: net.layers.map((l) => (l.kind === "dense" && l.output.kind === "requant" ? { ...l, output: { ...l.output, multiplier: 52927, shift: 19 } } : l)) };
    const plan = planMacArray(same, 16);
    expect(plan.requantSharing.mode).toBe("shared");
    expect(plan.requantSharing.sharedCost).toBeLessThan(plan.requantSharing.perLayerCost);
    expect(plan.requantSharing.shared!.slots.filter(slotGated)).toHaveLength(0);
    const rq = plan.layers.flatMap((l) => (l.requant ? [{ index: l.index, accBits: l.accBits, requant: l.requant }] : []));
    expect(requantChoice(rq, "per-layer").mode).toBe("per-layer");
    expect(requantChoice(rq, "auto").mode).toBe("shared");
  });

  it("refuses a forced shared requantizer for a design with convolutions (one line)", () => {
    expect(() => planMacArray(loadNetwork("models/fashion-ternary-cnn-16-16-32.json"), 16, { requant: "shared" })).toThrow(/^requant: a shared requantizer is built for dense-only designs/);
  });
});
