/**
 * The analytic model against the stored Yosys calibration set (test/fixtures/yosys/calibration.json,
 * written by bench/cost.ts): no synthesis runs here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyticEstimate, COEFFICIENTS, features, FEATURES, fitCoefficients, leaveOneOutErrors, relativeErrors } from "../src/cost/analytic.js";
import { calibrationPoints, loadCalibration } from "../src/cost/calibration.js";
import { memorySummary } from "../src/cost/memory.js";
import { ice40Cells, xilinxCells } from "../src/cost/stats.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { parseManifest } from "../src/hw/bundle/manifest.js";
import { buildManifest } from "../src/hw/mac-array/manifest.js";
import { planMacArray } from "../src/hw/mac-array/plan.js";

const set = loadCalibration();
const points = calibrationPoints(set);
const maxAbs = (e: Array<{ error: number }>) => Math.max(...e.map((x) => Math.abs(x.error)));
const meanAbs = (e: Array<{ error: number }>) => e.reduce((s, x) => s + Math.abs(x.error), 0) / e.length;

describe("calibration set", () => {
  it("has at least 10 designs with iCE40 and Xilinx results, varying width, depth, M and P", () => {
    expect(points.length).toBeGreaterThanOrEqual(10);
    const d = set.designs;
    expect(new Set(d.map((x) => x.lanes)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(d.map((x) => x.levels)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(d.map((x) => x.sizes.length)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(d.map((x) => x.sizes[0])).size).toBeGreaterThanOrEqual(4);
  });

  it("no design uses a DSP block: ternary and M-level lanes are multiplier-free", () => {
    for (const d of set.designs) {
      expect(xilinxCells({ creator: "", ...d.yosys.xilinx! }).dsp, d.name).toBe(0);
      expect(ice40Cells({ creator: "", ...d.yosys.ice40! }).dsp, d.name).toBe(0);
    }
  });

  it("the block-RAM rule gives Yosys's EBR, RAMB36 and RAMB18 counts on every design", () => {
    for (const d of set.designs) {
      const mem = memorySummary(d.manifest);
      const x = xilinxCells({ creator: "", ...d.yosys.xilinx! });
      expect({ ebr: mem.ice40.ebr, ramb36: mem.xilinx.ramb36, ramb18: mem.xilinx.ramb18 }, d.name).toEqual({
        ebr: ice40Cells({ creator: "", ...d.yosys.ice40! }).ebr,
        ramb36: x.ramb36,
        ramb18: x.ramb18,
      });
    }
  });
});

describe("analytic LUT / FF model", () => {
  it("the committed coefficients are the fit to the stored set", () => {
    const refit = fitCoefficients(points);
    for (const t of ["ice40", "xilinx"] as const)
      for (const q of ["lut", "ff"] as const)
        for (const k of FEATURES) {
          // Stored to 4 significant digits.
          const tolerance = 1e-3 * Math.max(1e-3, Math.abs(refit[t][q][k]));
          expect(Math.abs(COEFFICIENTS[t][q][k] - refit[t][q][k]), `${t}.${q}.${k}`).toBeLessThanOrEqual(tolerance);
        }
  });

  it("LUTs within 15% of Yosys on every calibration design (iCE40 LUT4 and Xilinx LUT)", () => {
    expect(maxAbs(relativeErrors(points, COEFFICIENTS, "ice40", "lut"))).toBeLessThanOrEqual(0.15);
    expect(maxAbs(relativeErrors(points, COEFFICIENTS, "xilinx", "lut"))).toBeLessThanOrEqual(0.15);
  });

  it("flip-flops within 30% of Yosys on every calibration design (the rough part of the model)", () => {
    expect(maxAbs(relativeErrors(points, COEFFICIENTS, "ice40", "ff"))).toBeLessThanOrEqual(0.3);
    expect(maxAbs(relativeErrors(points, COEFFICIENTS, "xilinx", "ff"))).toBeLessThanOrEqual(0.3);
  });

  it("predicts designs it was not fitted on: leave-one-out mean iCE40 LUT error under 10%", () => {
    expect(meanAbs(leaveOneOutErrors(points, "ice40", "lut"))).toBeLessThan(0.1);
  });

  it("features of the default 784-128-128-10 ternary design, P = 16, by hand", () => {
    const m = parseManifest(JSON.parse(readFileSync("test/fixtures/yosys/manifest-784-128-128-10-p16.json", "utf8")), "fixture");
    const f = features(m, "ice40");
    // 19-bit accumulators; 8-bit activations times |w| <= 1: 8-bit terms.
    expect(f.lane).toBe(16 * 19);
    expect(f.laneTerm).toBe(16 * 8);
    expect(f.shiftAdd).toBe(0); // ternary: |w| <= 1, no shifted copies
    expect(f.weightMux).toBe(16 * 2 * 2); // 2-bit weights, three layers
    expect(f.drainBias).toBe(19 * 3);
    expect([f.walk, f.walkLane, f.pool]).toEqual([0, 0, 0]);
    // Weight ROMs are block RAM (rom_style). Bias ROMs at the bit columns that vary: 128 x 17 (2,176
    // bits: 136 > two EBR's 128) and 128 x 13 (1,664: 104 > one EBR's 64) in EBR, 10 x 14 in logic
    // with its 14-bit output register; on Xilinx all three in logic (2,176 / 64 = 34 < one RAMB18's 129).
    expect(f.romRegs).toBe(14);
    expect(f.romLogic).toBeCloseTo((10 * 14) / 16, 9);
    const fx = features(m, "xilinx");
    expect(fx.romRegs).toBe(17 + 13 + 14);
    expect(fx.romLogic).toBeCloseTo((128 * 17 + 128 * 13 + 10 * 14) / 64, 9);
    const e = analyticEstimate(m);
    expect(e.ice40!.lut4).toBeGreaterThan(1000);
    expect(e.xilinx.lut).toBeLessThan(e.ice40!.lut4);
  });
});

describe("held-out designs (bench/cost.ts --heldout, not used in the fit)", () => {
  interface Heldout {
    name: string;
    sizes: number[];
    seed: number;
    levels: number;
    lanes: number;
    yosys: { ice40: { lut4: number; dff: number; ebr: number }; xilinx: { lut: number; ff: number; ramb36: number; ramb18: number } };
  }
  const heldout = (JSON.parse(readFileSync("test/fixtures/yosys/heldout.json", "utf8")) as { designs: Heldout[] }).designs;
  // Measured on the reworked MAC array (issue #13) by `npx tsx bench/cost.ts --heldout`.
  it("iCE40 LUT4 and Xilinx LUT within 10%, block RAM exact, on all six", () => {
    expect(heldout).toHaveLength(6);
    for (const d of heldout) {
      const net = randomDenseNetwork({ name: d.name, seed: d.seed, sizes: d.sizes, levels: d.levels });
      const m = parseManifest(JSON.parse(JSON.stringify(buildManifest(planMacArray(net, d.lanes), net))), d.name);
      const e = analyticEstimate(m);
      expect(Math.abs(e.ice40!.lut4 / d.yosys.ice40.lut4 - 1), `${d.name} P=${d.lanes} iCE40`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(e.xilinx.lut / d.yosys.xilinx.lut - 1), `${d.name} P=${d.lanes} Xilinx`).toBeLessThanOrEqual(0.1);
      const mem = memorySummary(m);
      expect([mem.ice40.ebr, mem.xilinx.ramb36, mem.xilinx.ramb18], d.name).toEqual([d.yosys.ice40.ebr, d.yosys.xilinx.ramb36, d.yosys.xilinx.ramb18]);
    }
  });
});
