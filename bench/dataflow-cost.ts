/**
 * Calibration of the dataflow architecture's analytic cost model against Yosys:
 *   npx tsx bench/dataflow-cost.ts [--target xilinx|ice40]
 *                                            synthesise the calibration designs (cached under
 *                                            .cache/yosys) with synth_xilinx (default) or synth_ice40
 *                                            and store test/fixtures/yosys/dataflow-calibration[-ice40].json
 *   npx tsx bench/dataflow-cost.ts --heldout [--fit] [--target …]
 *                                            the same for the held-out designs (stored in
 *                                            dataflow-heldout[-ice40].json), printing the committed
 *                                            coefficients' error on them (--fit: refeature only)
 *   npx tsx bench/dataflow-cost.ts --fit [--target …]
 *                                            refit on the stored set (features recomputed from each
 *                                            design's plan, so they follow features.ts); print
 *                                            coefficients and errors and store the features
 * The designs: the MNIST 784-32-10 model and seeded random nets at several foldings, and the default
 * 784-256-256-256-10 network at the foldings the hardware report uses. iCE40 measures the designs an
 * iCE40 part can hold (the two largest foldings, 20k-33k Xilinx LUTs, are left out).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { loadNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { designFor, generateBundle } from "../src/hw/registry.js";
import { memorySummary } from "../src/cost/memory.js";
import { planFor, type DataflowParams } from "../src/hw/dataflow/index.js";
import { fitDfCoefficients, planFeatures, predictDf, DF_COEFFICIENTS, DF_COEFFICIENTS_ICE40, type DfCoefficients, type DfFeatureVector } from "../src/hw/dataflow/features.js";
import type { FoldingFile } from "../src/hw/dataflow/fold.js";
import { findYosys, synthesize } from "../src/cost/yosys.js";
import { ice40Cells, xilinxCells } from "../src/cost/stats.js";
import { calibrationFile, heldoutFile, looErrors, type DfCalibrationPoint, type DfTarget } from "../src/hw/dataflow/calibration.js";

interface DesignSpec {
  name: string;
  net: () => Network;
  params: DataflowParams;
}

const fold = (inputPerBeat: number, layers: Array<[number, number]>): { fold: FoldingFile } => ({ fold: { inputPerBeat, layers: layers.map(([pe, simd]) => ({ pe, simd })) } });
const mnist32 = () => loadNetwork("models/mnist-ternary-32.json");
const fashion = () => loadNetwork("models/fashion-ternary-256x3.json");
const rand = (sizes: number[], levels: number, seed = 7) => () => randomDenseNetwork({ name: `cal_${sizes.join("_")}_m${levels}`, seed, sizes, levels });

export const DESIGNS: DesignSpec[] = [
  { name: "mnist32_i784", net: mnist32, params: fold(1, [[2, 16], [1, 1]]) },
  { name: "r64_m3_a", net: rand([64, 32, 10], 3), params: fold(1, [[4, 16], [2, 8]]) },
  { name: "mnist32_i196", net: mnist32, params: fold(4, [[8, 16], [1, 2]]) },
  { name: "r64_m7_b", net: rand([64, 32, 10], 7), params: fold(4, [[4, 16], [5, 8]]) },
  { name: "r128_m3_c", net: rand([128, 64, 64, 10], 3), params: fold(2, [[4, 4], [8, 8], [1, 16]]) },
  { name: "mnist32_i3136", net: mnist32, params: fold(1, [[1, 8], [1, 1]]) },
  { name: "r64_m15_d", net: rand([64, 32, 10], 15), params: fold(2, [[2, 8], [1, 16]]) },
  { name: "r96_m5_e", net: rand([96, 48, 10], 5), params: fold(4, [[3, 12], [2, 16]]) },
  { name: "fashion_p3k", net: fashion, params: fold(1, [[4, 16], [1, 32], [1, 32], [1, 1]]) },
  { name: "fashion_i256", net: fashion, params: fold(7, [[8, 98], [8, 32], [8, 32], [5, 2]]) },
  { name: "fashion_s3k", net: fashion, params: fold(1, [[8, 8], [4, 8], [4, 8], [1, 1]]) },
  { name: "fashion_s3k2", net: fashion, params: fold(1, [[8, 8], [2, 16], [2, 16], [1, 1]]) },
  { name: "fashion_i196", net: fashion, params: fold(4, [[64, 16], [16, 32], [16, 32], [1, 16]]) },
  // Added with the iCE40 calibration: the foldings the solver chose for a LUT budget (1,500, 800,
  // 2,500, 4,000, 2,000, 3,000, 1,200, 5,000 LUT), pinned so a refit cannot change the designs.
  { name: "mnist32_i392", net: mnist32, params: fold(2, [[8, 8], [1, 1]]) },
  { name: "mnist32_i1568", net: mnist32, params: fold(1, [[4, 4], [1, 1]]) },
  { name: "r200_m7", net: rand([200, 48, 24, 10], 7), params: fold(1, [[4, 10], [3, 2], [1, 1]]) },
  { name: "r144_m3", net: rand([144, 80, 10], 3), params: fold(3, [[4, 48], [2, 8]]) },
  { name: "r300_m3", net: rand([300, 64, 32, 10], 3), params: fold(1, [[4, 15], [1, 8], [1, 1]]) },
  { name: "r100_m15", net: rand([100, 40, 10], 15), params: fold(1, [[2, 20], [2, 2]]) },
  { name: "r256_m5", net: rand([256, 32, 32, 10], 5), params: fold(1, [[2, 4], [1, 1], [1, 1]]) },
  { name: "r160_m7", net: rand([160, 96, 10], 7), params: fold(2, [[6, 20], [2, 4]]) },
];

/** Held-out designs (other seeds and shapes), never fitted: their error is the model's test. */
export const HELDOUT: DesignSpec[] = [
  { name: "h_r180_m3", net: rand([180, 60, 30, 10], 3, 9), params: fold(1, [[5, 12], [5, 2], [1, 2]]) },
  { name: "h_r120_m7", net: rand([120, 50, 10], 7, 9), params: fold(2, [[2, 30], [1, 5]]) },
  { name: "h_r220_m15", net: rand([220, 40, 10], 15, 9), params: fold(1, [[2, 11], [1, 1]]) },
];

const featuresOf = (d: DesignSpec): DfFeatureVector => planFeatures(planFor(d.net(), d.params).plan);
const specOf = (name: string): DesignSpec | undefined => [...DESIGNS, ...HELDOUT].find((x) => x.name === name);

/** Designs an iCE40 part cannot hold are not synthesised for it (hours of synth_ice40 each). */
const ICE40_SKIP = new Set(["fashion_i256", "fashion_i196"]);

async function synthAll(target: DfTarget, designs = DESIGNS, file = calibrationFile(target)): Promise<DfCalibrationPoint[]> {
  const tool = findYosys("auto");
  const points: DfCalibrationPoint[] = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { points: DfCalibrationPoint[] }).points : [];
  for (const d of designs) {
    if (points.some((p) => p.name === d.name) || (target === "ice40" && ICE40_SKIP.has(d.name))) continue;
    const dir = join(".cache", "dataflow-cal", d.name);
    mkdirSync(join(".cache", "dataflow-cal"), { recursive: true });
    const { manifest } = await generateBundle(d.net(), dir, "dataflow", d.params);
    const r = await synthesize(dir, manifest, target, { tool, timeoutMs: 4 * 3600 * 1000 });
    const base = { name: d.name, params: manifest.arch.params, features: featuresOf(d), interval: manifest.timing.interval, seconds: Number(r.seconds.toFixed(1)) };
    if (target === "ice40") {
      const c = ice40Cells(r.stats);
      points.push({ ...base, lut: c.lut4, ff: c.dff, ebr: c.ebr });
      console.log(`${d.name}: ${c.lut4} LUT4, ${c.dff} DFF, ${c.ebr} EBR (${r.cached ? "cached" : `${r.seconds.toFixed(0)} s`})`);
    } else {
      const x = xilinxCells(r.stats);
      points.push({ ...base, lut: x.lut, ff: x.ff, ramb36: x.ramb36, ramb18: x.ramb18, lutramLuts: x.lutramLuts });
      console.log(`${d.name}: ${x.lut} LUT, ${x.ff} FF, ${x.ramb36} RAMB36 + ${x.ramb18} RAMB18 (${r.cached ? "cached" : `${r.seconds.toFixed(0)} s`})`);
    }
    writeFileSync(file, JSON.stringify({ tool: tool.version, target: target === "ice40" ? "ice40 (synth_ice40)" : "xilinx (synth_xilinx -family xc7)", points }, null, 1) + "\n");
  }
  return points;
}

function report(points: DfCalibrationPoint[], c: DfCoefficients, target: DfTarget): void {
  const [lut, ff] = target === "ice40" ? ["LUT4", "DFF"] : ["LUT", "FF"];
  const round = (v: Record<string, number>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, Number(x.toPrecision(4))]));
  console.log("lut:", JSON.stringify(round(c.lut)));
  console.log("ff: ", JSON.stringify(round(c.ff)));
  for (const p of points) {
    const l = predictDf(p.features, c.lut);
    const f = predictDf(p.features, c.ff);
    console.log(`${p.name.padEnd(14)} ${lut} ${p.lut} predicted ${l.toFixed(0)} (${((l / p.lut - 1) * 100).toFixed(1)}%), ${ff} ${p.ff} predicted ${f.toFixed(0)} (${((f / p.ff - 1) * 100).toFixed(1)}%)`);
  }
  // Block RAM is not fitted: the memory rule of cost/memory.ts prices it from the manifest.
  for (const p of points) {
    const d = specOf(p.name);
    if (!d) continue;
    const mem = memorySummary(designFor(d.net(), "dataflow", d.params).manifest);
    const rule = target === "ice40" ? `${mem.ice40.ebr} EBR` : `${mem.xilinx.ramb36} RAMB36 + ${mem.xilinx.ramb18} RAMB18`;
    const yosys = target === "ice40" ? `${p.ebr} EBR` : `${p.ramb36} RAMB36 + ${p.ramb18} RAMB18`;
    console.log(`${p.name.padEnd(14)} block RAM: rule ${rule}, Yosys ${yosys}${rule === yosys ? "" : "  <- differs"}`);
  }
  const loo = looErrors(points, target);
  const worst = Math.max(...loo.map((e) => Math.abs(e.error)));
  const mean = loo.reduce((s, e) => s + Math.abs(e.error), 0) / loo.length;
  console.log(`leave-one-out ${lut} error: mean ${(mean * 100).toFixed(1)}%, worst ${(worst * 100).toFixed(1)}%`);
}

/** The stored set with every point's features recomputed from its design (and stored again). */
function refeatured(target: DfTarget, path = calibrationFile(target)): DfCalibrationPoint[] {
  const file = JSON.parse(readFileSync(path, "utf8")) as { tool: string; target: string; points: DfCalibrationPoint[] };
  file.points = file.points.map((p) => {
    const d = specOf(p.name);
    return d ? { ...p, features: featuresOf(d) } : p;
  });
  writeFileSync(path, JSON.stringify(file, null, 1) + "\n");
  return file.points;
}

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const target = arg("--target") ?? "xilinx";
if (target !== "xilinx" && target !== "ice40") throw new Error(`--target must be xilinx or ice40, not ${target}`);
const fitOnly = process.argv.includes("--fit");
const inUse = target === "ice40" ? DF_COEFFICIENTS_ICE40 : DF_COEFFICIENTS;
if (process.argv.includes("--heldout")) {
  // Synthesise (or refeature, with --fit) the held-out designs and print the committed model's error on them.
  const file = heldoutFile(target);
  const held = fitOnly ? refeatured(target, file) : await synthAll(target, HELDOUT, file);
  for (const p of held) {
    const l = predictDf(p.features, inUse.lut);
    console.log(`held out ${p.name.padEnd(11)} ${target === "ice40" ? "LUT4" : "LUT"} ${p.lut} predicted ${l.toFixed(0)} (${((l / p.lut - 1) * 100).toFixed(1)}%)`);
  }
  process.exit(0);
}
const points = fitOnly ? refeatured(target) : await synthAll(target);
const fitted = fitDfCoefficients(points.map((p) => p.features), points.map((p) => p.lut), points.map((p) => p.ff), target);
console.log(fitOnly ? "refitted coefficients:" : "coefficients in use:");
report(points, fitOnly ? fitted : inUse, target);
