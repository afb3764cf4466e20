/**
 * Calibration of the analytic cost model: generates seeded random designs of different widths,
 * depths, levels M and lane counts P, synthesises each with Yosys for every target, and writes
 * the Yosys numbers (plus each design's manifest) to test/fixtures/yosys/calibration.json, so the
 * tests can check the model without re-synthesising. Also times every synthesis.
 *
 *   npx tsx bench/cost.ts [--only NAME,...] [--targets T,...] [--timeout SECONDS] [--out FILE]
 *                                   --targets: synthesise only these targets (e.g. ice40,xilinx,
 *                                   the two the model is fitted on); default all
 *   npx tsx bench/cost.ts --add-bundle DIR[,DIR...]   add existing bundles (e.g. trained models'
 *                                   designs) to the set, synthesising them (or reading the cache)
 *   npx tsx bench/cost.ts --fit     refit the analytic model on the stored set and print the
 *                                   coefficients, the errors (in-sample and leave-one-out) and
 *                                   the block-RAM rule against Yosys's counts
 *   npx tsx bench/cost.ts --add-estimate DIR[,DIR...]   add committed bundles from the Yosys counts
 *                                   in their estimate.json (only if their RTL is the generator's today)
 *   npx tsx bench/cost.ts --drop NAME,...   remove designs from the stored set
 *   npx tsx bench/cost.ts --heldout [--only NAME_pP,...]   measure the held-out designs (iCE40 and
 *                                   Xilinx) into test/fixtures/yosys/heldout.json (cost-heldout.ts)
 *
 * Designs already in the output file with the same manifest are kept (Yosys's own cache under
 * .cache/yosys makes re-runs cheap as well).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateBundle } from "../src/hw/registry.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";
import { SYNTH_TARGETS, type SynthTarget } from "../src/cost/stats.js";
import { findYosys, REPO_ROOT, synthesize } from "../src/cost/yosys.js";
import { writeFileAtomic } from "../src/util/fs.js";
import { CALIBRATION_FILE, calibrationPoints, loadCalibration, type CalibrationDesign, type CalibrationSet } from "../src/cost/calibration.js";
import { COEFFICIENTS, fitCoefficients, leaveOneOutErrors, relativeErrors, type ModelQuantity, type ModelTarget } from "../src/cost/analytic.js";
import { memorySummary } from "../src/cost/memory.js";
import { ice40Cells, xilinxCells } from "../src/cost/stats.js";
import { CALIBRATION_SPECS, specNetwork, specParams } from "./cost-designs.js";
import { heldoutReport, measureHeldout } from "./cost-heldout.js";
import { designFromEstimate } from "./cost-estimate.js";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** --targets T,... (default every target); a name that is not a target is a one-line error. */
function synthTargets(): SynthTarget[] {
  const asked = flag("--targets")?.split(",");
  if (!asked) return [...SYNTH_TARGETS];
  const bad = asked.find((t) => !(SYNTH_TARGETS as readonly string[]).includes(t));
  if (bad !== undefined) {
    console.error(`error: --targets: ${bad} is not one of ${SYNTH_TARGETS.join(", ")}`);
    process.exit(1);
  }
  return asked as SynthTarget[];
}

async function main(): Promise<void> {
  const out = flag("--out") ?? join(REPO_ROOT, CALIBRATION_FILE);
  const only = flag("--only")?.split(",");
  const timeoutMs = Number(flag("--timeout") ?? "3600") * 1000;
  const targets = synthTargets();
  const tool = findYosys("auto");
  const previous: CalibrationSet | null = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as CalibrationSet) : null;
  const designs = new Map<string, CalibrationDesign>((previous?.designs ?? []).map((d) => [d.name, d]));
  const save = () => {
    const specNames = new Set(CALIBRATION_SPECS.map((s) => s.name));
    const added = [...designs.values()].filter((d) => !specNames.has(d.name)); // from --add-bundle
    const set: CalibrationSet = { tool: tool.version, generated: new Date().toISOString(), designs: [...CALIBRATION_SPECS.flatMap((s) => designs.get(s.name) ?? []), ...added] };
    writeFileAtomic(out, JSON.stringify(set, null, 1) + "\n");
  };
  for (const spec of CALIBRATION_SPECS) {
    if (only && !only.includes(spec.name)) continue;
    const dir = join(REPO_ROOT, ".cache", "cost-designs", spec.name);
    const net = specNetwork(spec);
    await generateBundle(net, dir, "mac-array", specParams(spec));
    const manifest = loadManifest(dir);
    const slim = manifest;
    const have = designs.get(spec.name);
    const record: CalibrationDesign = have && JSON.stringify(have.manifest) === JSON.stringify(slim) ? have : { name: spec.name, sizes: spec.sizes, levels: spec.levels, lanes: spec.lanes, manifest: slim, yosys: {} };
    // Two targets at a time: the machine has two cores.
    const pending = targets.filter((t) => !record.yosys[t]);
    const runOne = async (target: SynthTarget) => {
      try {
        const r = await synthesize(dir, manifest, target, { tool, timeoutMs });
        record.yosys[target] = { byType: r.stats.byType, cells: r.stats.cells, seconds: Number(r.seconds.toFixed(1)) };
        console.log(`${spec.name} ${target}: ${r.stats.cells} cells in ${r.seconds.toFixed(1)} s${r.cached ? " (cached)" : ""}`);
      } catch (err) {
        console.log(`${spec.name} ${target}: FAILED ${(err as Error).message}`);
      }
    };
    const queue = [...pending];
    await Promise.all([0, 1].map(async () => {
      for (let t = queue.shift(); t; t = queue.shift()) await runOne(t);
    }));
    designs.set(spec.name, record);
    save();
  }
  console.log(`wrote ${out}`);
}

/** Adds committed bundles' estimate.json counts as calibration designs (cost-estimate.ts). */
function addEstimates(dirs: string[]): void {
  const out = flag("--out") ?? join(REPO_ROOT, CALIBRATION_FILE);
  const set = loadCalibration(out);
  for (const dir of dirs) {
    const record = designFromEstimate(dir);
    set.designs = [...set.designs.filter((d) => d.name !== record.name), record];
    console.log(`${record.name}: from ${dir}/estimate.json`);
  }
  writeFileAtomic(out, JSON.stringify({ ...set, generated: new Date().toISOString() }, null, 1) + "\n");
}

/** Removes designs from the stored set (e.g. ones measured on an earlier RTL that were not re-measured). */
function dropDesigns(names: string[]): void {
  const out = flag("--out") ?? join(REPO_ROOT, CALIBRATION_FILE);
  const set = loadCalibration(out);
  const unknown = names.find((n) => !set.designs.some((d) => d.name === n));
  if (unknown !== undefined) {
    console.error(`error: --drop: ${unknown} is not in ${out}`);
    process.exit(1);
  }
  set.designs = set.designs.filter((d) => !names.includes(d.name));
  writeFileAtomic(out, JSON.stringify({ ...set, generated: new Date().toISOString() }, null, 1) + "\n");
  console.log(`dropped ${names.length} design(s) from ${out}`);
}

/** Adds existing bundles to the calibration set (synthesis results come from the Yosys cache when present). */
async function addBundles(dirs: string[]): Promise<void> {
  const out = flag("--out") ?? join(REPO_ROOT, CALIBRATION_FILE);
  const tool = findYosys("auto");
  const set = loadCalibration(out);
  for (const dir of dirs) {
    const manifest = loadManifest(dir);
    const lanes = Number(manifest.arch.params.lanes);
    const name = `${manifest.name}_p${lanes}`;
    const record: CalibrationDesign = {
      name,
      sizes: [manifest.network.input.features, ...manifest.network.layers.map((l) => l.outFeatures)],
      levels: Math.max(...manifest.network.layers.map((l) => l.levels)),
      lanes,
      manifest,
      yosys: {},
    };
    // Every target at once (two cores: the two the model is fitted on).
    await Promise.all(
      synthTargets().map(async (target) => {
        const r = await synthesize(dir, manifest, target, { tool });
        record.yosys[target] = { byType: r.stats.byType, cells: r.stats.cells, seconds: Number(r.seconds.toFixed(1)) };
        console.log(`${name} ${target}: ${r.stats.cells} cells in ${r.seconds.toFixed(1)} s${r.cached ? " (cached)" : ""}`);
      }),
    );
    set.designs = [...set.designs.filter((d) => d.name !== name), record];
  }
  writeFileAtomic(out, JSON.stringify({ ...set, generated: new Date().toISOString() }, null, 1) + "\n");
  console.log(`wrote ${out}`);
}

function fitReport(): void {
  const set = loadCalibration(flag("--out") ?? join(REPO_ROOT, CALIBRATION_FILE));
  const points = calibrationPoints(set);
  const fitted = fitCoefficients(points);
  console.log("fitted coefficients:");
  console.log(JSON.stringify(fitted, (_k, v: unknown) => (typeof v === "number" ? Number(v.toPrecision(4)) : v), 2));
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const t of ["ice40", "xilinx"] as ModelTarget[])
    for (const q of ["lut", "ff"] as ModelQuantity[]) {
      const stored = relativeErrors(points, COEFFICIENTS, t, q);
      const loo = leaveOneOutErrors(points, t, q);
      const maxAbs = (e: Array<{ error: number }>) => Math.max(...e.map((x) => Math.abs(x.error)));
      const meanAbs = (e: Array<{ error: number }>) => e.reduce((s, x) => s + Math.abs(x.error), 0) / e.length;
      console.log(`${t} ${q}: stored coefficients max |err| ${pct(maxAbs(stored))}, mean ${pct(meanAbs(stored))}; leave-one-out max ${pct(maxAbs(loo))}, mean ${pct(meanAbs(loo))}`);
      for (const [i, e] of stored.entries()) console.log(`   ${e.name.padEnd(28)} yosys ${String(e.actual).padStart(6)}  model ${e.predicted.toFixed(0).padStart(6)}  ${pct(e.error).padStart(7)}  (loo ${pct(loo[i]!.error)})`);
    }
  console.log("block RAM: rule vs Yosys");
  for (const d of set.designs) {
    const mem = memorySummary(d.manifest);
    const ice = d.yosys.ice40 ? ice40Cells({ creator: "", cells: d.yosys.ice40.cells, byType: d.yosys.ice40.byType }).ebr : NaN;
    const x = d.yosys.xilinx ? xilinxCells({ creator: "", cells: d.yosys.xilinx.cells, byType: d.yosys.xilinx.byType }) : null;
    console.log(`   ${d.name.padEnd(28)} EBR ${mem.ice40.ebr}/${ice}  RAMB36 ${mem.xilinx.ramb36}/${x?.ramb36}  RAMB18 ${mem.xilinx.ramb18}/${x?.ramb18}  LUTRAM LUTs ${mem.xilinx.lutramLuts}/${x?.lutramLuts}`);
  }
  heldoutReport();
}

if (process.argv.includes("--fit")) fitReport();
else if (process.argv.includes("--heldout")) await measureHeldout(flag("--only")?.split(","), Number(flag("--timeout") ?? "3600") * 1000);
else if (flag("--add-estimate")) addEstimates(flag("--add-estimate")!.split(","));
else if (flag("--drop")) dropDesigns(flag("--drop")!.split(","));
else if (flag("--add-bundle")) await addBundles(flag("--add-bundle")!.split(","));
else await main();
