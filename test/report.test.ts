import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport } from "../src/report/build.js";
import { equalMemoryWins, gapTrends, recoveries, spearman } from "../src/report/claims.js";
import { precisionLabel, toCsv, toRows, type Row } from "../src/report/rows.js";
import { parseSweepConfig } from "../src/sweep/config.js";
import { expandPoints } from "../src/sweep/points.js";
import { runPoint } from "../src/sweep/run.js";
import type { PointRecord } from "../src/sweep/store.js";
import * as fake from "./sweep-fake-trainer.js";

function row(p: Partial<Row> & Pick<Row, "weights" | "levels" | "mode" | "accuracy" | "floatAccuracy">): Row {
  return {
    sweep: "s", dataset: "fashion-mnist", family: "ffdnn", arch: `w${p.weights}`, width: p.weights, depth: 1, seed: 1, parameters: p.weights,
    precision: precisionLabel(p.levels), memoryBits: p.weights * (p.levels === 0 ? 32 : Math.ceil(Math.log2(p.levels))), idealMemoryBits: 0,
    seconds: 1, backend: "x", pointId: `${p.arch ?? `w${p.weights}`}-${p.levels}`, ...p,
  } as Row;
}

describe("claims", () => {
  it("spearman: known answers, ties, too few points", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x: 1,2,3,4; y: 1.5,1.5,3,4 -> rho = 0.9487
    expect(spearman([1, 2, 3, 4], [5, 5, 6, 7])).toBeCloseTo(0.948683, 5);
    expect(spearman([1, 2], [1, 2])).toBeNaN();
  });

  it("gap trend: shrinking gaps are supported, growing gaps are not", () => {
    const shrink = [1000, 2000, 4000, 8000].map((w, i) => row({ weights: w, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.9 - 0.04 / (i + 1) }));
    const t = gapTrends(shrink);
    expect(t).toHaveLength(1);
    expect(t[0]!.rho).toBeCloseTo(-1, 12);
    expect(t[0]!.series[0]!.shrinks).toBe(true);
    expect(t[0]!.verdict).toBe("supported");
    const grow = [1000, 2000, 4000, 8000].map((w, i) => row({ weights: w, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.89 - 0.01 * i }));
    expect(gapTrends(grow)[0]!.verdict).toBe("not supported");
    // Three nets are too few for a verdict, however clean the trend.
    expect(gapTrends(shrink.slice(0, 3))[0]!.verdict).toBe("insufficient data");
  });

  it("recovery: median share of the direct loss won back", () => {
    // Losses 10 pp and 4 pp direct; retrained 2 pp and 3 pp: shares 0.8 and 0.25 -> median 0.525.
    const rs = [
      row({ weights: 1000, levels: 3, mode: "direct", floatAccuracy: 0.9, accuracy: 0.8 }),
      row({ weights: 1000, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.88 }),
      row({ weights: 2000, levels: 3, mode: "direct", floatAccuracy: 0.9, accuracy: 0.86 }),
      row({ weights: 2000, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.87 }),
      // A point that lost under 1 pp is not counted in the share.
      row({ weights: 4000, levels: 3, mode: "direct", floatAccuracy: 0.9, accuracy: 0.895 }),
      row({ weights: 4000, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.8 }),
    ];
    const [r] = recoveries(rs);
    expect(r!.considered).toBe(2);
    expect(r!.points).toBe(3);
    expect(r!.medianRecovered).toBeCloseTo(0.525, 12);
    expect(r!.verdict).toBe("supported");
  });

  it("equal memory: a 16x bigger ternary net at 2 bits beats a float net of 8x its memory", () => {
    const rs = [
      row({ weights: 1000, levels: 0, mode: "float", floatAccuracy: 0.85, accuracy: 0.85 }), // 32,000 bits
      row({ weights: 8000, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.86 }), // 16,000 bits
      row({ weights: 32000, levels: 3, mode: "retrained", floatAccuracy: 0.91, accuracy: 0.9 }), // 64,000 bits: more memory
      row({ weights: 4000, levels: 3, mode: "retrained", floatAccuracy: 0.86, accuracy: 0.84 }), // less accurate
    ];
    const wins = equalMemoryWins(rs);
    expect(wins).toHaveLength(1);
    expect(wins[0]!.quant.weights).toBe(8000);
    expect(wins[0]!.float.memoryBits / wins[0]!.quant.memoryBits).toBe(2);
  });

  it("csv quotes what needs quoting", () => {
    expect(toCsv([{ a: "x,y", b: 0.5, c: undefined }], ["a", "b", "c"])).toBe('a,b,c\n"x,y",0.500000,\n');
  });
});

describe("report", () => {
  it("builds summary, tables and SVG figures from a store, with the ECR of each quantized row", async () => {
    const config = parseSweepConfig({
      name: "rep", dataset: "fashion-mnist", seeds: [1], grid: { kind: "ffdnn", widths: [16, 32, 64, 128], depths: [1, 2] },
      float: { epochs: 1 }, levels: [7, 3], retrain: { epochs: 1 },
    });
    const d = mkdtempSync(join(tmpdir(), "tf-report-"));
    const points = expandPoints(config);
    const records: PointRecord[] = [];
    for (const p of points.slice(0, points.length - 1)) records.push(await runPoint(fake, p, { sweep: "rep", modelRoot: join(d, "models") }));
    const rows = toRows(records);
    expect(rows.filter((r) => r.mode === "float")).toHaveLength(8);
    expect(rows.filter((r) => r.mode !== "float").every((r) => r.ecr !== undefined && r.ecr > 0)).toBe(true);
    const out = join(d, "report");
    const built = await buildReport(records, [config], ["results/rep.jsonl"], out);
    for (const f of ["summary.md", "points.csv", "rep-quantized.csv", "rep-accuracy.svg", "rep-gap-width.svg", "rep-gap-depth.svg", "rep-direct-vs-retrained.svg", "rep-ecr.svg"]) {
      expect(built.files).toContain(f);
      expect(existsSync(join(out, f))).toBe(true);
    }
    const svg = readFileSync(join(out, "rep-accuracy.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("parameters (log scale)");
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md).toContain(`| rep | ${points.length - 1}/${points.length} | 8/8 |`);
    expect(md).toContain("Sweeps not yet complete");
    // The stand-in's gaps shrink with size and retraining recovers 75 % of the loss: both claims hold.
    expect(md).toMatch(/\| rep \| ternary \| -1\.00 \| 2\/2 .*\| \*\*supported\*\* \|/);
    expect(md).toMatch(/\| rep \| ternary \| .* \| 75% \| \*\*supported\*\* \|/);
    const csv = readFileSync(join(out, "rep-quantized.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(1 + 2 * 8 - 1);
  });
});
