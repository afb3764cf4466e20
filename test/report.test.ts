import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport } from "../src/report/build.js";
import { cellEcr, toCells } from "../src/report/aggregate.js";
import { equalMemoryVerdict, equalMemoryWins, gapTrends, recoveries, spearman } from "../src/report/claims.js";
import { currentRecords } from "../src/report/current.js";
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
    const t = gapTrends(toCells(shrink));
    expect(t).toHaveLength(1);
    expect(t[0]!.rho.value).toBeCloseTo(-1, 12);
    expect(t[0]!.seeds).toBe(1);
    expect(t[0]!.series[0]!.shrinks).toBe(true);
    expect(t[0]!.verdict).toBe("supported");
    const grow = [1000, 2000, 4000, 8000].map((w, i) => row({ weights: w, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.89 - 0.01 * i }));
    expect(gapTrends(toCells(grow))[0]!.verdict).toBe("not supported");
    // Three nets are too few for a verdict, however clean the trend.
    expect(gapTrends(toCells(shrink.slice(0, 3)))[0]!.verdict).toBe("insufficient data");
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
    const [r] = recoveries(toCells(rs));
    expect(r!.considered).toBe(2);
    expect(r!.points).toBe(3);
    expect(r!.medianRecovered.value).toBeCloseTo(0.525, 12);
    expect(r!.verdict).toBe("supported");
  });

  it("equal memory: a 16x bigger ternary net at 2 bits beats a float net of 8x its memory", () => {
    const rs = [
      row({ weights: 1000, levels: 0, mode: "float", floatAccuracy: 0.85, accuracy: 0.85 }), // 32,000 bits
      row({ weights: 8000, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.86 }), // 16,000 bits
      row({ weights: 32000, levels: 3, mode: "retrained", floatAccuracy: 0.91, accuracy: 0.9 }), // 64,000 bits: more memory
      row({ weights: 4000, levels: 3, mode: "retrained", floatAccuracy: 0.86, accuracy: 0.84 }), // less accurate
    ];
    const wins = equalMemoryWins(toCells(rs));
    expect(wins).toHaveLength(1);
    expect(wins[0]!.quant.weights).toBe(8000);
    expect(wins[0]!.float.memoryBits / wins[0]!.quant.memoryBits).toBe(2);
    expect(equalMemoryVerdict(toCells(rs), wins)).toBe("supported");
  });

  // Three seeds per net: gaps 4, 2, 1, 0.5 pp (mean) with +-d pp of seed noise.
  const seeded = (d: number) =>
    [1000, 2000, 4000, 8000].flatMap((w, i) => [-d, 0, d].map((e, s) => row({ weights: w, seed: s + 1, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: 0.9 - 0.04 / 2 ** i + e, pointId: `w${w}-3-s${s}` })));

  it("gap trend with seeds: supported when the intervals separate, mixed when seed noise swamps the trend", () => {
    const quiet = gapTrends(toCells(seeded(0.001)))[0]!;
    expect(quiet.seeds).toBe(3);
    expect(quiet.rho.value).toBeCloseTo(-1, 12);
    // Each net's seeds are redrawn, the gaps stay ordered: every replicate gives rho = -1.
    expect([quiet.rho.lo, quiet.rho.hi]).toEqual([-1, -1]);
    // Gap 4 +- 0.25 pp vs 0.5 +- 0.25 pp (t = 4.3027, sd = 0.1 pp): separate.
    expect(quiet.series[0]!.separated).toBe(true);
    expect(quiet.verdict).toBe("supported");
    const noisy = gapTrends(toCells(seeded(0.03)))[0]!;
    // Mean gaps still shrink, but 3 pp of noise on each seed: intervals of +-7.5 pp overlap.
    expect(noisy.rho.value).toBeCloseTo(-1, 12);
    expect(noisy.series[0]!.separated).toBe(false);
    expect(noisy.verdict).toBe("mixed");
  });

  it("cell ECR on the mean curves with the seed interval (hand-computed)", () => {
    // Float 1000 weights: 79/80/81%; 2000 weights: 89/90/91%; ternary 8,000 weights priced at 4,000 bits with 84/85/86%.
    const f = (w: number, a: number[]) => a.map((x, s) => row({ weights: w, seed: s + 1, levels: 0, mode: "float", floatAccuracy: x, accuracy: x, pointId: `f${w}-s${s}` }));
    const q = [0.84, 0.85, 0.86].map((x, s) => row({ weights: 8000, seed: s + 1, levels: 3, mode: "retrained", floatAccuracy: 0.9, accuracy: x, pointId: `q-s${s}` }));
    const cells = toCells([...f(1000, [0.79, 0.8, 0.81]), ...f(2000, [0.89, 0.9, 0.91]), ...q]);
    const floats = cells.filter((c) => c.mode === "float");
    const tern = cells.find((c) => c.mode === "retrained")!;
    const e = cellEcr(floats, tern, (c) => 32 * c.weights, 4000)!;
    // Mean: halfway between 80% and 90% -> 32,000 x 2^0.5 bits / 4,000 = 8 sqrt(2).
    expect(e.value).toBeCloseTo(8 * Math.SQRT2, 10);
    expect(e.bound).toBe("exact");
    // Half-width h = 4.3027 x 1 pp / sqrt(3). Low end: ternary at 85 - h against floats at 80 + h, 90 + h.
    const h = (4.3027 * 0.01) / Math.sqrt(3);
    expect(e.lo).toBeCloseTo(8 * 2 ** ((0.85 - h - (0.8 + h)) / 0.1), 8);
    expect(e.hi).toBeCloseTo(8 * 2 ** ((0.85 + h - (0.8 - h)) / 0.1), 8);
    // The cell's own memory ECR uses its stored bits (8,000 weights x 2 bits).
    expect(tern.memoryBits).toBe(16000);
    expect(tern.ecr!.value).toBeCloseTo((e.value * 4000) / 16000, 12);
  });

  it("records from before keepDirect stand in for their points until those are stored, then drop out", async () => {
    const plain = parseSweepConfig({ name: "k", dataset: "fashion-mnist", seeds: [1], grid: { kind: "ffdnn", widths: [16], depths: [1] }, float: { epochs: 1 }, levels: [3], retrain: { epochs: 1 } });
    const keep = parseSweepConfig({ ...plain, retrain: { epochs: 1, keepDirect: true } });
    const d = mkdtempSync(join(tmpdir(), "tf-legacy-"));
    const run = async (c: typeof plain) => Promise.all(expandPoints(c).map((p) => runPoint(fake, p, { sweep: "k", modelRoot: join(d, "models") })));
    const [fl, oldQ] = await run(plain);
    const [, newQ] = await run(keep);
    const before = currentRecords([fl!, oldQ!], [keep]);
    expect(before.records.map((r) => r.id)).toEqual([fl!.id, oldQ!.id]);
    expect([...before.legacy]).toEqual([oldQ!.id]);
    expect(toRows(before.records, before.legacy).filter((r) => r.legacy).map((r) => r.mode)).toEqual(["direct", "retrained"]);
    const after = currentRecords([fl!, oldQ!, newQ!], [keep]);
    expect(after.records.map((r) => r.id)).toEqual([fl!.id, newQ!.id]);
    expect(after.legacy.size).toBe(0);
    expect(after.dropped).toBe(1);
    // A config that does not ask for keepDirect never takes the new-rule record.
    expect(currentRecords([fl!, newQ!], [plain]).records.map((r) => r.id)).toEqual([fl!.id]);
  });

  it("csv quotes what needs quoting", () => {
    expect(toCsv([{ a: "x,y", b: 0.5, c: undefined }], ["a", "b", "c"])).toBe('a,b,c\n"x,y",0.500000,\n');
  });
});

describe("report", () => {
  it("a sweep where some points have one seed prints no bootstrap interval for rho or the median recovery", async () => {
    const config = parseSweepConfig({
      name: "mix", dataset: "fashion-mnist", seeds: [1, 2], grid: { kind: "ffdnn", widths: [16, 32, 64, 128], depths: [1] },
      float: { epochs: 1 }, levels: [3], retrain: { epochs: 1 },
    });
    const d = mkdtempSync(join(tmpdir(), "tf-report-mix-"));
    const records: PointRecord[] = [];
    // Seed 1 everywhere, seed 2 only for the narrowest net: the fewest seeds behind a cell is 1.
    const keep = (f: { seed: number; arch: { kind: string } & { hidden?: number[] } }) => f.seed === 1 || f.arch.hidden?.[0] === 16;
    for (const p of expandPoints(config).filter((q) => keep(q.spec.kind === "float" ? q.spec : q.spec.float)))
      records.push(await runPoint(fake, p, { sweep: "mix", modelRoot: join(d, "models") }));
    await buildReport(records, [config], ["results/mix.jsonl"], join(d, "report"));
    const md = readFileSync(join(d, "report", "summary.md"), "utf8");
    expect(md).toContain("| mix | 3 with 2 seeds, 9 with 1 seed |");
    expect(md).toMatch(/\| mix \| ternary \| -1\.00 \| 1\/1 shrink .*\| \*\*supported\*\* \(1 seed: no interval\) \|/);
    expect(md).toMatch(/\| mix \| ternary \| [^|]+ \| [^|]+ \| [^|]+ \| \d+% \| \*\*supported\*\* \(1 seed: no interval\) \|/);
  });

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
    expect(currentRecords(records, [config]).records).toHaveLength(records.length);
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
    expect(md).toContain(`| rep | ${points.length - 1}/${points.length} | 8/8 | 0 |`);
    expect(md).toContain("Sweeps not yet complete");
    // The stand-in's gaps shrink with size and retraining recovers 75 % of the loss: both claims hold.
    expect(md).toMatch(/\| rep \| ternary \| -1\.00 \| 2\/2 shrink .*\| \*\*supported\*\* \(1 seed: no interval\) \|/);
    expect(md).toMatch(/\| rep \| ternary \| .* \| 75% \| \*\*supported\*\* \(1 seed: no interval\) \|/);
    const csv = readFileSync(join(out, "rep-quantized.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(1 + 2 * 8 - 1);
  });
});
