/**
 * Measures the held-out designs (bench/cost-designs.ts HELDOUT_SPECS) with Yosys for iCE40 and
 * Xilinx and writes test/fixtures/yosys/heldout.json, which test/cost-analytic.test.ts compares
 * the analytic model with. Designs not selected keep their stored record.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateBundle } from "../src/hw/registry.js";
import { loadManifest, parseManifest, type Manifest } from "../src/hw/bundle/manifest.js";
import { buildManifest } from "../src/hw/mac-array/manifest.js";
import { planMacArray } from "../src/hw/mac-array/plan.js";
import { analyticEstimate } from "../src/cost/analytic.js";
import { memorySummary } from "../src/cost/memory.js";
import { ice40Cells, xilinxCells } from "../src/cost/stats.js";
import { findYosys, REPO_ROOT, synthesize } from "../src/cost/yosys.js";
import { writeFileAtomic } from "../src/util/fs.js";
import { HELDOUT_SPECS, heldoutKey, heldoutNetwork, type HeldoutSpec } from "./cost-designs.js";

export const HELDOUT_FILE = "test/fixtures/yosys/heldout.json";

export interface HeldoutRecord extends HeldoutSpec {
  yosys: { ice40: { lut4: number; dff: number; carry: number; ebr: number }; xilinx: { lut: number; ff: number; ramb36: number; ramb18: number } };
}

const ABOUT =
  "Held-out designs (not in calibration.json), measured by: npx tsx bench/cost.ts --heldout (bench/cost-designs.ts HELDOUT_SPECS; Yosys synth_ice40 and synth_xilinx -family xc7).";

/** Synthesises the selected held-out designs (both targets at once) and rewrites the held-out file. */
export async function measureHeldout(only: string[] | undefined, timeoutMs: number): Promise<void> {
  const out = join(REPO_ROOT, HELDOUT_FILE);
  const tool = findYosys("auto");
  const stored = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as { designs: HeldoutRecord[] }).designs : [];
  const records = new Map(stored.map((d) => [heldoutKey(d), d]));
  for (const spec of HELDOUT_SPECS) {
    const key = heldoutKey(spec);
    if (only && !only.includes(key)) continue;
    const dir = join(REPO_ROOT, ".cache", "cost-designs", `heldout_${key}`);
    await generateBundle(heldoutNetwork(spec), dir, "mac-array", { lanes: spec.lanes });
    const manifest = loadManifest(dir);
    const [ice, xil] = await Promise.all([synthesize(dir, manifest, "ice40", { tool, timeoutMs }), synthesize(dir, manifest, "xilinx", { tool, timeoutMs })]);
    const i = ice40Cells(ice.stats);
    const x = xilinxCells(xil.stats);
    records.set(key, {
      ...spec,
      yosys: { ice40: { lut4: i.lut4, dff: i.dff, carry: i.carry, ebr: i.ebr }, xilinx: { lut: x.lut, ff: x.ff, ramb36: x.ramb36, ramb18: x.ramb18 } },
    });
    console.log(`${key}: iCE40 ${i.lut4} LUT4 / ${i.dff} DFF / ${i.ebr} EBR (${ice.seconds.toFixed(0)} s); Xilinx ${x.lut} LUT / ${x.ff} FF / ${x.ramb36}+${x.ramb18} (${xil.seconds.toFixed(0)} s)`);
    const designs = HELDOUT_SPECS.flatMap((s) => records.get(heldoutKey(s)) ?? []);
    writeFileAtomic(out, JSON.stringify({ about: ABOUT, tool: tool.version, designs }, null, 1) + "\n");
  }
  console.log(`wrote ${out}`);
}

/** The held-out manifest of a spec, as the test builds it (no bundle written). */
export function heldoutManifest(spec: HeldoutSpec): Manifest {
  const net = heldoutNetwork(spec);
  return parseManifest(JSON.parse(JSON.stringify(buildManifest(planMacArray(net, spec.lanes), net))), heldoutKey(spec));
}

/** Prints the analytic model and the block-RAM rule against every stored held-out design, with the mean and worst LUT errors per target. */
export function heldoutReport(): void {
  const file = join(REPO_ROOT, HELDOUT_FILE);
  const designs = (JSON.parse(readFileSync(file, "utf8")) as { designs: HeldoutRecord[] }).designs;
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
  const errors = { ice40: [] as number[], xilinx: [] as number[] };
  console.log("held-out designs (not fitted on): Yosys / model");
  for (const d of designs) {
    const m = heldoutManifest(d);
    const e = analyticEstimate(m);
    const mem = memorySummary(m);
    const ei = e.ice40!.lut4 / d.yosys.ice40.lut4 - 1;
    const ex = e.xilinx.lut / d.yosys.xilinx.lut - 1;
    errors.ice40.push(ei);
    errors.xilinx.push(ex);
    console.log(
      `   ${heldoutKey(d).padEnd(34)} iCE40 LUT4 ${d.yosys.ice40.lut4}/${e.ice40!.lut4} ${pct(ei)}  DFF ${d.yosys.ice40.dff}/${e.ice40!.dff}  Xilinx LUT ${d.yosys.xilinx.lut}/${e.xilinx.lut} ${pct(ex)}  FF ${d.yosys.xilinx.ff}/${e.xilinx.ff}` +
        `  EBR ${d.yosys.ice40.ebr}/${mem.ice40.ebr}  RAMB36+18 ${d.yosys.xilinx.ramb36}+${d.yosys.xilinx.ramb18}/${mem.xilinx.ramb36}+${mem.xilinx.ramb18}`,
    );
  }
  for (const t of ["ice40", "xilinx"] as const) {
    const abs = errors[t].map(Math.abs);
    console.log(`held-out ${t} LUT: mean |err| ${pct(abs.reduce((s, x) => s + x, 0) / abs.length)}, worst ${pct(Math.max(...abs))}`);
  }
}
