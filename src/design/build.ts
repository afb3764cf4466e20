/**
 * `design --build`: turns the chosen candidate into a checked bundle. Its network is re-trained from
 * the stored point's spec (training is deterministic: the same spec gives the same integer
 * network, and the rerun's test accuracy is compared with the stored one), the bundle generated with
 * the chosen architecture and folding, synthesised with Yosys for the part's family (and placed and
 * routed with nextpnr on iCE40) to confirm the fit, and co-simulated against the reference model.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { estimateDesign, type Estimate } from "../cost/estimate.js";
import { ICE40_PARTS, type Ice40PartName } from "../cost/parts.js";
import { loadNetwork } from "../ir/io.js";
import type { Network } from "../ir/schema.js";
import { generateBundle } from "../hw/registry.js";
import { cosimulate } from "../sim/cosim.js";
import { pickVectors } from "../sim/vectors.js";
import { runPoint } from "../sweep/run.js";
import type { PointRecord } from "../sweep/store.js";
import { loadTrainer } from "../sweep/trainer.js";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { Part } from "./parts.js";
import { usage, type Candidate } from "./select.js";

export interface BuildOptions {
  outDir: string;
  modelRoot: string;
  vectors: number;
  onProgress?: (line: string) => void;
}

export interface SynthFit {
  fits: boolean;
  /** "LUT4 1,234 / 5,280" style lines of what synthesis used. */
  used: { resource: string; used: number; available: number }[];
  problems: string[];
  fmaxMHz?: number;
}

export interface BuildResult {
  pointId: string;
  seed: number;
  network: Network;
  /** Test accuracy of the rerun and of the stored record (equal when training reproduced). */
  accuracy: { rerun: number; stored: number };
  bundleDir: string;
  estimate: Estimate;
  fit: SynthFit;
  cosim: { vectors: number; mismatches: number; source: string };
}

/** The fit synthesis confirms: real cell counts against the part (and nextpnr's verdict on iCE40). */
export function synthFit(e: Estimate, part: Part): SynthFit {
  const s = e.synthesis;
  if (part.family === "ice40") {
    const c = s?.ice40;
    if (!c || "error" in c) return { fits: false, used: [], problems: [`Yosys synth_ice40 failed: ${c && "error" in c ? c.error : "not run"}`] };
    const used = [
      { resource: "LUT4", used: c.lut4, available: part.lut },
      { resource: "flip-flops", used: c.dff, available: part.ff },
      { resource: "EBR", used: c.ebr, available: part.bram.count },
      { resource: "DSP", used: c.dsp, available: part.dsp },
    ];
    // estimateDesign names placed parts by their nextpnr label (cost/parts.ts).
    const label = ICE40_PARTS[part.name as Ice40PartName]?.label;
    const pnr = e.pnr?.find((p) => p.part === label);
    if (pnr?.logicCellsUsed !== undefined) used.push({ resource: "logic cells (placed)", used: pnr.logicCellsUsed, available: part.lut });
    const problems = [...used.filter((u) => u.used > u.available).map((u) => `needs ${u.used} ${u.resource}, ${part.label} has ${u.available}`), ...(pnr && !pnr.fits ? pnr.problems : []), ...(pnr ? [] : [`nextpnr did not place it on ${part.name}`])];
    return { fits: problems.length === 0, used, problems, ...(pnr?.fmaxMHz !== undefined ? { fmaxMHz: pnr.fmaxMHz } : {}) };
  }
  const c = s?.xilinx;
  if (!c || "error" in c) return { fits: false, used: [], problems: [`Yosys synth_xilinx failed: ${c && "error" in c ? c.error : "not run"}`] };
  const used = [
    { resource: "LUT", used: c.lut + c.lutramLuts, available: part.lut },
    { resource: "flip-flops", used: c.ff, available: part.ff },
    { resource: "RAMB36", used: c.ramb36 + c.ramb18 / 2, available: part.bram.count },
    { resource: "DSP", used: c.dsp, available: part.dsp },
    { resource: "IO pins", used: e.ioPins, available: part.io },
  ];
  const problems = used.filter((u) => u.used > u.available).map((u) => `needs ${u.used} ${u.resource}, ${part.label} has ${u.available}`);
  return { fits: problems.length === 0, used, problems };
}

/**
 * The cost model's price of the candidate beside what synthesis used, per resource both name
 * (LUTs, flip-flops, block RAM): "LUT4 1,369 priced, 1,146 synthesised (+19%)". The error is the
 * price's, relative to synthesis.
 */
export function priceVsSynthesis(c: Candidate, fit: SynthFit, part: Part): string[] {
  if (!c.footprint) return [];
  const fmt = (v: number) => (Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(1));
  return usage(c.footprint, part)
    .flatMap((p) => {
      const s = fit.used.find((u) => u.resource === p.resource);
      if (!s || s.resource === "DSP" || s.resource === "IO pins") return [];
      const err = p.used === s.used ? "exact" : s.used > 0 ? `${p.used > s.used ? "+" : "−"}${Math.round((Math.abs(p.used - s.used) / s.used) * 100)}%` : "synthesis used none";
      return [`${p.resource} ${fmt(p.used)} priced, ${fmt(s.used)} synthesised (${err})`];
    });
}

/** The stored record of the candidate to rebuild: its lowest seed. */
export function recordToBuild(c: Candidate, records: readonly PointRecord[]): PointRecord {
  const first = [...c.points].sort((a, b) => a.seed - b.seed)[0];
  const rec = first && records.find((r) => r.id === first.pointId);
  if (!rec || rec.kind !== "quant") throw new TritforgeError(`the stored point of ${c.network} ${c.precision} is missing from the stores`);
  return rec;
}

export async function buildCandidate(c: Candidate, rec: PointRecord, part: Part, o: BuildOptions): Promise<BuildResult> {
  if (rec.kind !== "quant") throw new TritforgeError(`point ${rec.id} is not a quantized point`);
  if (existsSync(o.outDir)) throw new TritforgeError(`${o.outDir} already exists; remove it or choose another folder with --out`);
  const say = o.onProgress ?? (() => {});
  say(`training ${c.network} seed ${rec.spec.float.seed}, M=${rec.spec.levels} (point ${rec.id}; a float model already in ${o.modelRoot} is reused)`);
  const trainer = await loadTrainer();
  const rerun = await runPoint(trainer, { id: rec.id, floatId: rec.floatId, spec: rec.spec }, { sweep: rec.sweep, modelRoot: o.modelRoot });
  if (rerun.kind !== "quant") throw new Error("unreachable: a quantized point gave a float record");
  const stored = (rec.result.retrained ?? rec.result.direct).accuracy;
  const again = (rerun.result.retrained ?? rerun.result.direct).accuracy;
  const network = loadNetwork(join(o.modelRoot, rec.id, rerun.result.retrained ? "retrained.json" : "direct.json"));
  say(`generating ${c.hwArch} (${c.folding}) into ${o.outDir}`);
  await generateBundle(network, o.outDir, c.hwArch, c.params);
  say(`synthesising with Yosys for ${part.family}${part.family === "ice40" ? ` and placing with nextpnr on ${part.name}` : ""}`);
  const estimate = await estimateDesign(o.outDir, {
    targets: part.family === "ice40" ? ["ice40"] : ["xilinx"],
    pnr: part.family === "ice40",
    parts: part.family === "ice40" ? [part.name as Ice40PartName] : [],
    onProgress: say,
  });
  // Where `gen-rtl --estimate` records it too.
  writeFileAtomic(join(o.outDir, "estimate.json"), JSON.stringify(estimate, null, 2) + "\n");
  const fit = synthFit(estimate, part);
  say(`co-simulating ${o.vectors} vectors`);
  const picked = pickVectors(network, o.vectors, 1);
  const r = await cosimulate(network, o.outDir, picked.inputs, picked.count, { runDir: join("sim", "runs", `${network.name}-design`) });
  return {
    pointId: rec.id,
    seed: rec.spec.float.seed,
    network,
    accuracy: { rerun: again, stored },
    bundleDir: o.outDir,
    estimate,
    fit,
    cosim: { vectors: picked.count, mismatches: new Set(r.mismatches.map((m) => m.vector)).size, source: picked.source },
  };
}
