/**
 * Where a dataflow bundle's LUTs go (src/hw/dataflow/breakdown.ts):
 *   npx tsx bench/dataflow-breakdown.ts DIR [DIR ...]
 * runs the partitioned Yosys synth_xilinx on a copy of each bundle's design files and prints a
 * markdown table per bundle (parts, LUT, LUTRAM, FF, CARRY4, block RAM).
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { findYosys, runOnBundleCopy } from "../src/cost/yosys.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";
import { breakdownScript, breakdownTable, sectionLabels, summarizeBreakdown } from "../src/hw/dataflow/breakdown.js";

const tool = findYosys("auto");
for (const dir of process.argv.slice(2)) {
  const m = loadManifest(dir);
  const topFile = m.files.rtl.find((f) => basename(f) === `${m.top}.v`);
  if (!topFile || m.arch.id !== "dataflow") throw new Error(`${dir}: not a dataflow bundle`);
  const labels = sectionLabels(readFileSync(join(dir, topFile), "utf8").split("\n"));
  const r = await runOnBundleCopy(dir, m, breakdownScript(m.top, m.files.rtl, topFile, labels), ["stat.json"], tool, 6 * 3600 * 1000, `${m.name} breakdown`);
  const stat = JSON.parse(r.outputs["stat.json"]!) as { modules: Record<string, { num_cells_by_type?: Record<string, number> }> };
  console.log(`## ${dir} (interval ${m.timing.interval}; Yosys ${r.seconds.toFixed(0)} s)\n\n${breakdownTable(summarizeBreakdown(stat.modules, m.top))}\n`);
}
