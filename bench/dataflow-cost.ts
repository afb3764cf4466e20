/**
 * Calibration of the dataflow architecture's analytic cost model against Yosys synth_xilinx:
 *   npx tsx bench/dataflow-cost.ts           synthesise the calibration designs (cached under
 *                                            .cache/yosys) and store test/fixtures/yosys/dataflow-calibration.json
 *   npx tsx bench/dataflow-cost.ts --fit     refit on the stored set (features recomputed from each
 *                                            design's plan, so they follow features.ts); print
 *                                            coefficients and errors and store the features
 * The designs: the MNIST 784-32-10 model and seeded random nets at several foldings, and the default
 * 784-256-256-256-10 network at the foldings the hardware report uses.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { loadNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { generateBundle } from "../src/hw/registry.js";
import { planFor, type DataflowParams } from "../src/hw/dataflow/index.js";
import { fitDfCoefficients, planFeatures, predictDf, DF_COEFFICIENTS, type DfCoefficients, type DfFeatureVector } from "../src/hw/dataflow/features.js";
import type { FoldingFile } from "../src/hw/dataflow/fold.js";
import { findYosys, synthesize } from "../src/cost/yosys.js";
import { xilinxCells } from "../src/cost/stats.js";
import { CALIBRATION_FILE, looErrors, type DfCalibrationPoint } from "../src/hw/dataflow/calibration.js";

interface DesignSpec {
  name: string;
  net: () => Network;
  params: DataflowParams;
}

const fold = (inputPerBeat: number, layers: Array<[number, number]>): { fold: FoldingFile } => ({ fold: { inputPerBeat, layers: layers.map(([pe, simd]) => ({ pe, simd })) } });
const mnist32 = () => loadNetwork("models/mnist-ternary-32.json");
const fashion = () => loadNetwork("models/fashion-ternary-256x3.json");
const rand = (sizes: number[], levels: number) => () => randomDenseNetwork({ name: `cal_${sizes.join("_")}_m${levels}`, seed: 7, sizes, levels });

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
];

const featuresOf = (d: DesignSpec): DfFeatureVector => planFeatures(planFor(d.net(), d.params).plan);

async function synthAll(): Promise<DfCalibrationPoint[]> {
  const tool = findYosys("auto");
  const points: DfCalibrationPoint[] = existsSync(CALIBRATION_FILE) ? (JSON.parse(readFileSync(CALIBRATION_FILE, "utf8")) as { points: DfCalibrationPoint[] }).points : [];
  for (const d of DESIGNS) {
    if (points.some((p) => p.name === d.name)) continue;
    const dir = join(".cache", "dataflow-cal", d.name);
    mkdirSync(join(".cache", "dataflow-cal"), { recursive: true });
    const { manifest } = await generateBundle(d.net(), dir, "dataflow", d.params);
    const r = await synthesize(dir, manifest, "xilinx", { tool, timeoutMs: 4 * 3600 * 1000 });
    const x = xilinxCells(r.stats);
    points.push({
      name: d.name,
      params: manifest.arch.params,
      features: featuresOf(d),
      lut: x.lut,
      ff: x.ff,
      ramb36: x.ramb36,
      ramb18: x.ramb18,
      lutramLuts: x.lutramLuts,
      interval: manifest.timing.interval,
      seconds: Number(r.seconds.toFixed(1)),
    });
    console.log(`${d.name}: ${x.lut} LUT, ${x.ff} FF, ${x.ramb36} RAMB36 + ${x.ramb18} RAMB18 (${r.cached ? "cached" : `${r.seconds.toFixed(0)} s`})`);
    writeFileSync(CALIBRATION_FILE, JSON.stringify({ tool: tool.version, target: "xilinx (synth_xilinx -family xc7)", points }, null, 1) + "\n");
  }
  return points;
}

function report(points: DfCalibrationPoint[], c: DfCoefficients): void {
  const round = (v: Record<string, number>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, Number(x.toPrecision(4))]));
  console.log("lut:", JSON.stringify(round(c.lut)));
  console.log("ff: ", JSON.stringify(round(c.ff)));
  for (const p of points) {
    const lut = predictDf(p.features, c.lut);
    const ff = predictDf(p.features, c.ff);
    console.log(`${p.name.padEnd(14)} LUT ${p.lut} predicted ${lut.toFixed(0)} (${((lut / p.lut - 1) * 100).toFixed(1)}%), FF ${p.ff} predicted ${ff.toFixed(0)} (${((ff / p.ff - 1) * 100).toFixed(1)}%)`);
  }
  const loo = looErrors(points);
  const worst = Math.max(...loo.map((e) => Math.abs(e.error)));
  const mean = loo.reduce((s, e) => s + Math.abs(e.error), 0) / loo.length;
  console.log(`leave-one-out LUT error: mean ${(mean * 100).toFixed(1)}%, worst ${(worst * 100).toFixed(1)}%`);
}

/** The stored set with every point's features recomputed from its design (and stored again). */
function refeatured(): DfCalibrationPoint[] {
  const file = JSON.parse(readFileSync(CALIBRATION_FILE, "utf8")) as { tool: string; target: string; points: DfCalibrationPoint[] };
  file.points = file.points.map((p) => {
    const d = DESIGNS.find((x) => x.name === p.name);
    return d ? { ...p, features: featuresOf(d) } : p;
  });
  writeFileSync(CALIBRATION_FILE, JSON.stringify(file, null, 1) + "\n");
  return file.points;
}

const fitOnly = process.argv.includes("--fit");
const points = fitOnly ? refeatured() : await synthAll();
const fitted = fitDfCoefficients(points.map((p) => p.features), points.map((p) => p.lut), points.map((p) => p.ff));
console.log(fitOnly ? "refitted coefficients:" : "coefficients in use:");
report(points, fitOnly ? fitted : DF_COEFFICIENTS);
