/** Plain-text table of an Estimate for the estimate CLI. */
import type { Estimate, Failed } from "./estimate.js";

const n = (x: number | undefined) => (x === undefined ? "-" : x.toLocaleString("en-US"));
const kbit = (bits: number) => `${(bits / 1024).toFixed(1)} kbit`;
const isFailed = (x: object | undefined): x is Failed => x !== undefined && "error" in x;

export function formatEstimate(e: Estimate): string {
  const m = e.memory;
  const lines = [
    `tritforge estimate: ${e.name} (top ${e.top}), ${e.arch.id} ${Object.entries(e.arch.params).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" ")}, latency ${n(e.latency)} cycles, interval ${n(e.interval)} cycles`,
    `  memory        weight ROM ${n(m.weightRomBits)} bits (${kbit(m.weightRomBits)}), bias ROM ${n(m.biasRomBits)}, activation buffers ${n(m.activationBufferBits)}, logits ${n(m.logitBits)}`,
    `  block RAM     iCE40 ${m.ice40.ebr} EBR (4 kbit); Xilinx 7 ${m.xilinx.ramb36} RAMB36 + ${m.xilinx.ramb18} RAMB18 (= ${m.xilinx.ramb36Equivalent} x 36 kbit), ${m.xilinx.lutramLuts} LUTs as distributed RAM`,
    `  analytic      ${e.analytic.ice40 ? `iCE40 ~${n(e.analytic.ice40.lut4)} LUT4, ~${n(e.analytic.ice40.dff)} DFF` : "iCE40 not calibrated"}; Xilinx 7 ~${n(e.analytic.xilinx.lut)} LUT, ~${n(e.analytic.xilinx.ff)} FF`,
  ];
  const s = e.synthesis;
  if (!s) lines.push("  synthesis     skipped (--no-synth)");
  else {
    lines.push(`  synthesis     ${s.tool}`);
    const row = (label: string, x: object | undefined, text: () => string, run?: { seconds: number; cached: boolean }) =>
      lines.push(`    ${label.padEnd(12)}${x === undefined ? "not run" : isFailed(x) ? `FAILED: ${x.error}` : `${text()}  [${run!.cached ? "cached" : `${run!.seconds} s`}]`}`);
    row("generic", s.generic, () => (isFailed(s.generic) || !s.generic ? "" : `${n(s.generic.cells)} cells (${n(s.generic.ff)} FF)`), s.generic && !isFailed(s.generic) ? s.generic : undefined);
    row("iCE40", s.ice40, () => (isFailed(s.ice40) || !s.ice40 ? "" : `${n(s.ice40.lut4)} LUT4, ${n(s.ice40.dff)} DFF, ${n(s.ice40.carry)} carry, ${s.ice40.ebr} EBR, ${s.ice40.dsp} DSP`), s.ice40 && !isFailed(s.ice40) ? s.ice40 : undefined);
    row(
      "Xilinx 7",
      s.xilinx,
      () => (isFailed(s.xilinx) || !s.xilinx ? "" : `${n(s.xilinx.lut)} LUT (+${s.xilinx.lutramLuts} as LUTRAM), ${n(s.xilinx.ff)} FF, ${s.xilinx.carry4} CARRY4, ${s.xilinx.ramb36} RAMB36 + ${s.xilinx.ramb18} RAMB18, ${s.xilinx.dsp} DSP48E1`),
      s.xilinx && !isFailed(s.xilinx) ? s.xilinx : undefined,
    );
  }
  if (e.pnr) {
    lines.push("  timing        nextpnr-ice40");
    for (const p of e.pnr)
      lines.push(
        `    ${p.part.padEnd(11)} ${
          p.fits ? `Fmax ${p.fmaxMHz} MHz, ${n(p.inferencesPerSecond)} inferences/s, latency ${p.latencyMicroseconds} us (${n(p.logicCellsUsed)} LC, ${p.ebrUsed} EBR${p.spramUsed ? `, ${p.spramUsed} SPRAM` : ""})` : `${p.placeAndRouteFailed ? "place and route failed" : "does not fit"}: ${p.problems.join("; ")}`
        }`,
      );
  } else if (s) lines.push("  timing        skipped (--no-pnr or no iCE40 netlist)");
  return lines.join("\n");
}
