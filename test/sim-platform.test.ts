/**
 * The simulator platform: Icarus and Verilator run the same testbench and write identical output
 * files (also under random stalls); the testbench's AXI-Stream checker catches test doubles of the
 * DUT that break the output rules; the co-simulation guarantee holds on Verilator as well.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateBundle } from "../src/hw/registry.js";
import { randomDenseNetwork, randomInputs } from "../src/ir/random.js";
import { cosimulate } from "../src/sim/cosim.js";
import { measuredInterval, simulateBundle, SimulationError } from "../src/sim/run.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-simplat-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Icarus and Verilator agree", () => {
  it("identical output files on the same vectors, with and without random stalls, equal to the reference", async () => {
    const net = randomDenseNetwork({ name: "both_sims", seed: 31, sizes: [12, 9, 4], levels: 3 });
    const dir = join(work, "both");
    const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: 4 });
    const x = randomInputs(31, 7, 12, 8);
    for (const stall of [0, 35]) {
      const outs: string[] = [];
      for (const simulator of ["icarus", "verilator"] as const) {
        const r = await cosimulate(net, dir, x, 7, { simulator, stall, seed: 5, runDir: join(dir, `run-${simulator}-${stall}`) });
        expect(r.mismatches).toEqual([]);
        expect(r.sim.simulator).toBe(simulator);
        if (!stall) {
          expect(r.cycles).toEqual(new Array(7).fill(manifest.timing.latency));
          expect(measuredInterval(r.sim.vectors)).toBe(manifest.timing.interval);
        } else expect(Math.max(...r.cycles)).toBeGreaterThan(manifest.timing.latency);
        outs.push(readFileSync(r.sim.outputFile, "utf8"));
      }
      expect(outs[0]!.split("\n").length).toBe(8);
      expect(outs[1]).toBe(outs[0]);
    }
  });
});

describe("co-simulation on Verilator", () => {
  const cases = [
    { name: "v_single_layer_P1", seed: 1, sizes: [7, 3], lanes: 1, levels: 3, stall: 0 },
    { name: "v_fewer_inputs_than_lanes", seed: 12, sizes: [2, 29, 3, 7], lanes: 16, levels: [3, 7, 15], stall: 0 },
    { name: "v_backpressure_m7", seed: 14, sizes: [17, 13, 5], lanes: 8, levels: 7, stall: 40 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const net = randomDenseNetwork({ name: c.name, seed: c.seed, sizes: c.sizes, levels: c.levels, inputBits: 6 });
      const dir = join(work, c.name);
      const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: c.lanes });
      const r = await cosimulate(net, dir, randomInputs(c.seed, 5, c.sizes[0]!, 6), 5, { simulator: "verilator", stall: c.stall, seed: c.seed, runDir: join(dir, "run") });
      expect(r.mismatches).toEqual([]);
      if (!c.stall) expect(r.cycles).toEqual(new Array(5).fill(manifest.timing.latency));
    });
  }
});

/**
 * A test double of a bundle's top module: same name and ports, accepts NIN input beats, then sends
 * a packet of NOUT beats whose handshake misbehaves as `fault` says.
 */
function testDouble(top: string, inBits: number, outBits: number, userBits: number, nin: number, nout: number, fault: "drop-valid" | "change-data" | "early-tlast" | "none"): string {
  const validExpr = fault === "drop-valid" ? "sending && !blink" : "sending";
  const dataExpr = fault === "change-data" ? "count + {{OUT_W}}'d0 + blink" : "count";
  const lastExpr = fault === "early-tlast" ? "(beat == 0)" : `(beat == ${nout - 1})`;
  return `\`timescale 1ns / 1ps
module ${top} (
    input  wire aclk, input wire aresetn,
    input  wire [${inBits}-1:0] s_axis_tdata, input wire s_axis_tvalid, output wire s_axis_tready, input wire s_axis_tlast,
    output wire [${outBits}-1:0] m_axis_tdata, output wire [${userBits}-1:0] m_axis_tuser,
    output wire m_axis_tvalid, input wire m_axis_tready, output wire m_axis_tlast, output wire framing_error
);
    wire clk = aclk; wire rst = !aresetn;
    assign framing_error = 1'b0;
    reg sending; reg blink; integer taken; integer beat; reg [${outBits}-1:0] count;
    assign s_axis_tready = !sending;
    assign m_axis_tvalid = ${validExpr};
    assign m_axis_tdata  = ${dataExpr.replace("{{OUT_W}}", String(outBits))};
    assign m_axis_tuser  = 0;
    assign m_axis_tlast  = ${lastExpr};
    always @(posedge clk) begin
        if (rst) begin sending <= 0; blink <= 0; taken <= 0; beat <= 0; count <= 0; end
        else begin
            blink <= !blink;
            if (!sending && s_axis_tvalid) begin
                taken <= taken + 1;
                if (taken == ${nin - 1}) begin sending <= 1; taken <= 0; end
            end
            if (m_axis_tvalid && m_axis_tready) begin
                count <= count + 1;
                beat <= (beat == ${nout - 1}) ? 0 : beat + 1;
                if (beat == ${nout - 1}) sending <= 0;
            end
        end
    end
endmodule
`;
}

describe("the testbench's AXI-Stream checker", () => {
  const net = randomDenseNetwork({ name: "axi_dut", seed: 41, sizes: [5, 4, 3], levels: 3 });
  const real = join(work, "axi-real");
  const ready = generateBundle(net, real, "mac-array", { lanes: 2 });
  async function withDouble(fault: Parameters<typeof testDouble>[6]): Promise<string> {
    const { manifest: m } = await ready;
    const dir = join(work, `axi-${fault}`);
    cpSync(real, dir, { recursive: true });
    const i = m.interface;
    writeFileSync(join(dir, m.files.rtl[0]!), testDouble(m.top, i.input.tdataBits, i.output.tdataBits, i.output.tuserBits, i.input.beats, i.output.beats, fault));
    return dir;
  }
  const x = randomInputs(41, 4, 5, 8);

  it("the well-behaved double passes with stalls (no false alarms)", async () => {
    const dir = await withDouble("none");
    const r = await simulateBundle(dir, x, 4, { stall: 50, seed: 2, runDir: join(dir, "run") });
    expect(r.vectors).toHaveLength(4);
  });

  for (const [fault, message] of [
    ["drop-valid", /AXI_VIOLATION .*tvalid dropped while stalled/],
    ["change-data", /AXI_VIOLATION .*tdata\/tuser\/tlast changed while stalled/],
    ["early-tlast", /AXI_VIOLATION .*tlast not on the last beat/],
  ] as const) {
    it(`catches a DUT whose output breaks the rules: ${fault} (Icarus)`, async () => {
      const dir = await withDouble(fault);
      await expect(simulateBundle(dir, x, 4, { stall: 50, seed: 2, runDir: join(dir, "run") })).rejects.toThrow(SimulationError);
      await expect(simulateBundle(dir, x, 4, { stall: 50, seed: 2, runDir: join(dir, "run") })).rejects.toThrow(message);
    });
  }

  it("catches a DUT that drops tvalid while stalled (Verilator)", async () => {
    const dir = await withDouble("drop-valid");
    await expect(simulateBundle(dir, x, 4, { simulator: "verilator", stall: 50, seed: 2, runDir: join(dir, "run-v") })).rejects.toThrow(/AXI_VIOLATION .*tvalid dropped while stalled/);
  });

});
