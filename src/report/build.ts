/**
 * Builds the report folder: summary.md, CSV tables and SVG figures, from store records.
 * The folder is written atomically (a half-built report never replaces a good one).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SweepConfig } from "../sweep/config.js";
import { expandPoints } from "../sweep/points.js";
import type { PointRecord } from "../sweep/store.js";
import { writeDirAtomic } from "../util/fs.js";
import { gap } from "./claims.js";
import { accuracyVsParameters, directVsRetrained, ecrVsSize, gapVsDepth, gapVsWidth, renderSvg } from "./plots.js";
import { toCsv, toRows, withAreaEcr, type Row } from "./rows.js";
import { renderSummary, type SweepProgress, type SweepSettings } from "./summary.js";

export function progressOf(records: readonly PointRecord[], configs: readonly SweepConfig[]): SweepProgress[] {
  const sweeps = [...new Set([...configs.map((c) => c.name), ...records.map((r) => r.sweep)])].filter((s) => records.some((r) => r.sweep === s));
  return sweeps.map((sweep) => {
    const config = configs.find((c) => c.name === sweep);
    const ids = new Set(records.filter((r) => r.sweep === sweep).map((r) => r.id));
    if (!config) {
      const floats = records.filter((r) => r.sweep === sweep && r.kind === "float").length;
      return { sweep, done: ids.size, total: ids.size, archsDone: floats, archsTotal: floats };
    }
    const points = expandPoints(config);
    const floats = points.filter((p) => p.spec.kind === "float");
    return {
      sweep,
      done: points.filter((p) => ids.has(p.id)).length,
      total: points.length,
      archsDone: floats.filter((p) => ids.has(p.id)).length,
      archsTotal: floats.length,
    };
  });
}

export function settingsOf(records: readonly PointRecord[]): SweepSettings[] {
  const uniq = <T,>(v: T[]) => [...new Set(v)].sort();
  return [...new Set(records.map((r) => r.sweep))].map((sweep) => {
    const rs = records.filter((r) => r.sweep === sweep);
    const floats = rs.flatMap((r) => (r.kind === "float" ? [r.spec] : [r.spec.float]));
    return {
      sweep,
      floatEpochs: uniq(floats.map((f) => f.epochs)),
      retrainEpochs: uniq(rs.flatMap((r) => (r.kind === "quant" ? [r.spec.retrainEpochs] : []))),
      trainLimit: [...new Set(floats.map((f) => f.trainLimit ?? null))],
      backends: uniq(rs.map((r) => r.backend)),
      seconds: rs.reduce((a, r) => a + r.seconds, 0),
    };
  });
}

const ROW_COLUMNS: (keyof Row & string)[] = ["sweep", "dataset", "family", "arch", "width", "depth", "seed", "parameters", "weights", "precision", "levels", "mode", "accuracy", "floatAccuracy", "memoryBits", "idealMemoryBits", "ecr", "ecrBound", "ecrIdeal", "lut4", "ebr", "ecrLut4", "ecrLut4Bound", "ecrEbr", "ecrEbrBound", "seconds", "backend", "pointId"];

interface GapRow {
  arch: string;
  width: number;
  depth: number;
  seed: number;
  parameters: number;
  precision: string;
  float: number;
  direct?: number;
  retrained?: number;
  gap_direct?: number;
  gap_retrained?: number;
  memory_bits: number;
  ecr?: number;
  ecr_bound?: string;
  ecr_ideal?: number;
  lut4?: number;
  ebr?: number;
  ecr_lut4?: number;
  ecr_lut4_bound?: string;
  ecr_ebr?: number;
  ecr_ebr_bound?: string;
}

function gapTable(rows: readonly Row[]): GapRow[] {
  const out: GapRow[] = [];
  for (const d of rows.filter((r) => r.mode === "direct")) {
    const t = rows.find((r) => r.pointId === d.pointId && r.mode === "retrained");
    out.push({
      arch: d.arch,
      width: d.width,
      depth: d.depth,
      seed: d.seed,
      parameters: d.parameters,
      precision: d.precision,
      float: d.floatAccuracy,
      direct: d.accuracy,
      retrained: t?.accuracy,
      gap_direct: gap(d),
      gap_retrained: t ? gap(t) : undefined,
      memory_bits: d.memoryBits,
      ecr: (t ?? d).ecr,
      ecr_bound: (t ?? d).ecrBound,
      ecr_ideal: (t ?? d).ecrIdeal,
      lut4: d.lut4,
      ebr: d.ebr,
      ecr_lut4: (t ?? d).ecrLut4,
      ecr_lut4_bound: (t ?? d).ecrLut4Bound,
      ecr_ebr: (t ?? d).ecrEbr,
      ecr_ebr_bound: (t ?? d).ecrEbrBound,
    });
  }
  return out;
}

export interface BuiltReport {
  files: string[];
  rows: number;
}

export async function buildReport(records: readonly PointRecord[], configs: readonly SweepConfig[], stores: string[], outDir: string): Promise<BuiltReport> {
  const rows = withAreaEcr(toRows(records));
  const files: string[] = [];
  await writeDirAtomic(outDir, async (dir) => {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      files.push(name);
    };
    write("points.csv", toCsv(rows, ROW_COLUMNS));
    const tables = ["points.csv"];
    const figures: { sweep: string; file: string; caption: string }[] = [];
    for (const sweep of [...new Set(rows.map((r) => r.sweep))]) {
      const rs = rows.filter((r) => r.sweep === sweep);
      const gt = gapTable(rs);
      if (gt.length) {
        write(`${sweep}-quantized.csv`, toCsv(gt, ["arch", "width", "depth", "seed", "parameters", "precision", "float", "direct", "retrained", "gap_direct", "gap_retrained", "memory_bits", "ecr", "ecr_bound", "ecr_ideal", "lut4", "ebr", "ecr_lut4", "ecr_lut4_bound", "ecr_ebr", "ecr_ebr_bound"]));
        tables.push(`${sweep}-quantized.csv`);
      }
      const family = rs[0]!.family;
      const figs: [string, string, ReturnType<typeof accuracyVsParameters> | null][] = [
        [`${sweep}-accuracy.svg`, `${sweep}: test accuracy vs parameters per precision, direct and retrained panels (float in both)`, accuracyVsParameters(rs, `${sweep}: accuracy vs parameters`)],
        [
          `${sweep}-gap-width.svg`,
          `${sweep}: float − retrained gap vs ${family === "ffdnn" ? "hidden width, per depth" : "feature maps of the first conv layer"}`,
          rs.some((r) => r.mode === "retrained") ? gapVsWidth(rs, `${sweep}: gap vs width`, family === "ffdnn" ? "hidden width (log scale)" : "feature maps of the first conv layer (log scale)") : null,
        ],
        [`${sweep}-gap-depth.svg`, `${sweep}: float − retrained gap vs depth, per width`, family === "ffdnn" && rs.some((r) => r.mode === "retrained") ? gapVsDepth(rs, `${sweep}: gap vs depth`) : null],
        [`${sweep}-direct-vs-retrained.svg`, `${sweep}: direct vs retrained accuracy (above the diagonal: retraining helped)`, rs.some((r) => r.mode === "retrained") ? directVsRetrained(rs, `${sweep}: direct vs retrained`) : null],
        [`${sweep}-ecr.svg`, `${sweep}: ECR of the retrained nets vs size: memory, and for FFDNNs block RAM and logic of the P = 16 accelerator (triangles are bounds)`, rs.some((r) => r.ecr !== undefined && r.mode === "retrained") ? ecrVsSize(rs, `${sweep}: effective compression ratio`) : null],
      ];
      for (const [file, caption, spec] of figs) {
        if (!spec) continue;
        write(file, await renderSvg(spec));
        figures.push({ sweep, file, caption });
      }
    }
    write("summary.md", renderSummary({ settings: settingsOf(records), rows, stores, progress: progressOf(records, configs), figures, tables }));
  });
  return { files, rows: rows.length };
}
