/** Parsing of stored Yosys `stat -json` files and a stored nextpnr-ice40 --report file. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNextpnrReport, placeAndRoute } from "../src/cost/nextpnr.js";
import { ICE40_PARTS } from "../src/cost/parts.js";
import type { Estimate } from "../src/cost/estimate.js";
import { formatEstimate } from "../src/cost/format.js";
import { genericCells, ice40Cells, parseStatJson, xilinxCells } from "../src/cost/stats.js";
import { TritforgeError } from "../src/util/errors.js";

const fixture = (name: string) => readFileSync(`test/fixtures/yosys/${name}`, "utf8");

describe("Yosys stat -json parsing (design cal_64_32_10_m3_p8, Yosys 0.55 wasm)", () => {
  it("generic synth: cells, flip-flops and muxes", () => {
    const s = parseStatJson(fixture("stat-generic-cal_64_32_10_m3_p8.json"));
    expect(s.creator).toMatch(/^Yosys 0\.55/);
    // Hand-summed from the file: $_DFFE_* 112 + 1127, $_SDFFCE_* 39, $_SDFFE_* 31, $_SDFF_* 5.
    expect(genericCells(s)).toEqual({ cells: 5494, ff: 1314, mux: 1915, logic: 5494 - 1314 });
  });

  it("synth_ice40: LUT4, DFF of every flavour, carries, EBR, no DSP", () => {
    const c = ice40Cells(parseStatJson(fixture("stat-ice40-cal_64_32_10_m3_p8.json")));
    // SB_DFF 37 + SB_DFFE 307 + SB_DFFESR 65 + SB_DFFESS 5 + SB_DFFSR 9 = 423.
    expect(c).toEqual({ cells: 1869, lut4: 1147, dff: 423, carry: 295, ebr: 4, dsp: 0, spram: 0 });
  });

  it("synth_xilinx: LUT1-6, FD*, CARRY4, distributed RAM, no BRAM and no DSP48E1", () => {
    const c = xilinxCells(parseStatJson(fixture("stat-xilinx-cal_64_32_10_m3_p8.json")));
    // LUT2..6 = 120 + 111 + 81 + 296 + 171; FDRE 392 + FDSE 5; RAM32M 5 (4 LUTs) + RAM64X1S 8 (1 LUT).
    expect(c).toEqual({ cells: 1390, lut: 779, ff: 397, carry4: 84, muxf: 71, ramb18: 0, ramb36: 0, lutram: 13, lutramLuts: 28, dsp: 0 });
  });

  it("a per-module report without a design block uses its only module", () => {
    const text = JSON.stringify({ creator: "Yosys x", modules: { "\\top": { num_cells: 3, num_cells_by_type: { SB_LUT4: 2, SB_DFF: 1 } } } });
    expect(ice40Cells(parseStatJson(text))).toMatchObject({ lut4: 2, dff: 1 });
  });

  it("rejects text that is not JSON, or not a statistics report, with one-line errors", () => {
    expect(() => parseStatJson("Number of cells: 12", "x.json")).toThrow(/x\.json is not valid JSON/);
    expect(() => parseStatJson(JSON.stringify({ modules: { a: { num_cells: "many" } } }), "y.json")).toThrow(/y\.json is not a Yosys statistics report/);
    const twoModules = JSON.stringify({ modules: { a: { num_cells: 1 }, b: { num_cells: 2 } } });
    expect(() => parseStatJson(twoModules, "z.json")).toThrow(TritforgeError);
    expect(() => parseStatJson(twoModules, "z.json")).toThrow(/no "design" block and 2 modules/);
  });
});

describe("nextpnr-ice40 --report parsing", () => {
  it("reads the achieved Fmax and utilisation", () => {
    const r = parseNextpnrReport(fixture("nextpnr-report-up5k-cal_64_32_10_m3_p8.json"), "iCE40UP5K");
    expect(r.fmaxMHz).toBeCloseTo(31.7068, 3);
    expect(r.clock).toContain("clk");
    expect(r.utilization["ICESTORM_LC"]).toEqual({ used: 1431, available: 5280 });
    expect(r.utilization["ICESTORM_RAM"]).toEqual({ used: 4, available: 30 });
  });

  it("takes the slowest clock and rejects a report without one", () => {
    const two = JSON.stringify({ fmax: { a: { achieved: 50 }, b: { achieved: 20 } } });
    expect(parseNextpnrReport(two, "p")).toMatchObject({ fmaxMHz: 20, clock: "b" });
    expect(() => parseNextpnrReport(JSON.stringify({ fmax: {} }), "p", "r.json")).toThrow(/r\.json has no clock/);
    expect(() => parseNextpnrReport("{", "p", "r.json")).toThrow(/r\.json is not valid JSON/);
  });
});

describe("nextpnr-ice40 time limit", () => {
  it("a run over its time limit is killed and reported with that limit in seconds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-fake-pnr-"));
    const bin = join(dir, "nextpnr-ice40");
    writeFileSync(bin, "#!/bin/sh\nexec sleep 30\n");
    chmodSync(bin, 0o755);
    try {
      await expect(placeAndRoute(join(dir, "none.json"), ICE40_PARTS.up5k, "demo", { bin, timeoutMs: 1000 })).rejects.toThrow(
        /^demo: nextpnr-ice40 timed out after 1 s$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a place-and-route failure is printed as such, a resource shortfall as a misfit", () => {
    const e = JSON.parse(readFileSync("hw/mnist_ternary_32/estimate.json", "utf8")) as Estimate;
    e.pnr = [
      { part: "iCE40HX8K", fits: false, placeAndRouteFailed: true, problems: ["x: nextpnr-ice40 timed out after 1200 s"] },
      { part: "iCE40UP5K", fits: false, problems: ["needs 40 EBR, iCE40UP5K has 30"] },
    ];
    const text = formatEstimate(e);
    expect(text).toMatch(/iCE40HX8K\s+place and route failed: x: nextpnr-ice40 timed out after 1200 s/);
    expect(text).toMatch(/iCE40UP5K\s+does not fit: needs 40 EBR, iCE40UP5K has 30/);
  });
});
