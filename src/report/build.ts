/**
 * Builds the report folder: summary.md, CSV tables and SVG figures, from store records.
 * The folder is written atomically (a half-built report never replaces a good one).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SweepConfig } from "../sweep/config.js";
import { expandPoints } from "../sweep/points.js";
import type { PointRecord } from "../sweep/store.js";
import { writeDirAtomic } from "../util/fs.js";
import { toCells, type Cell, type CellEcr } from "./aggregate.js";
import { AREA_LANES, DATAFLOW_INTERVAL } from "./area.js";
import { gap } from "./claims.js";
import { currentRecords } from "./current.js";
import { accuracyVsParameters, directVsRetrained, ecrVsSize, gapVsDepth, gapVsWidth, renderSvg } from "./plots.js";
import { toCsv, toRows, withAreaEcr, type Row } from "./rows.js";
import { renderSummary, REPORT_TITLE, type SweepProgress, type SweepSettings } from "./summary.js";

export function progressOf(records: readonly PointRecord[], configs: readonly SweepConfig[], legacy: ReadonlySet<string> = new Set()): SweepProgress[] {
  const sweeps = [...new Set([...configs.map((c) => c.name), ...records.map((r) => r.sweep)])].filter((s) => records.some((r) => r.sweep === s));
  return sweeps.map((sweep) => {
    const config = configs.find((c) => c.name === sweep);
    const ids = new Set(records.filter((r) => r.sweep === sweep).map((r) => r.id));
    if (!config) {
      const floats = records.filter((r) => r.sweep === sweep && r.kind === "float").length;
      return { sweep, done: ids.size, total: ids.size, archsDone: floats, archsTotal: floats, legacy: 0 };
    }
    const points = expandPoints(config);
    const floats = points.filter((p) => p.spec.kind === "float");
    return {
      sweep,
      done: points.filter((p) => ids.has(p.id)).length,
      total: points.length,
      archsDone: floats.filter((p) => ids.has(p.id)).length,
      archsTotal: floats.length,
      legacy: [...ids].filter((id) => legacy.has(id)).length,
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

const ROW_COLUMNS: (keyof Row & string)[] = ["sweep", "dataset", "family", "arch", "width", "depth", "seed", "parameters", "weights", "precision", "levels", "mode", "accuracy", "floatAccuracy", "memoryBits", "idealMemoryBits", "ecr", "ecrBound", "ecrIdeal", "lut4", "ebr", "ecrLut4", "ecrLut4Bound", "ecrEbr", "ecrEbrBound", "dfLut4", "dfEbr", "ecrDfLut4", "ecrDfLut4Bound", "ecrDfEbr", "ecrDfEbrBound", "selection", "legacy", "seconds", "backend", "pointId"];

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
  df_lut4?: number;
  df_ebr?: number;
  ecr_df_lut4?: number;
  ecr_df_lut4_bound?: string;
  ecr_df_ebr?: number;
  ecr_df_ebr_bound?: string;
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
      df_lut4: d.dfLut4,
      df_ebr: d.dfEbr,
      ecr_df_lut4: (t ?? d).ecrDfLut4,
      ecr_df_lut4_bound: (t ?? d).ecrDfLut4Bound,
      ecr_df_ebr: (t ?? d).ecrDfEbr,
      ecr_df_ebr_bound: (t ?? d).ecrDfEbrBound,
    });
  }
  return out;
}

interface CellRow {
  arch: string;
  width: number;
  depth: number;
  parameters: number;
  precision: string;
  mode: string;
  seeds: number;
  accuracy_mean: number;
  accuracy_sd?: number;
  accuracy_lo?: number;
  accuracy_hi?: number;
  gap_mean: number;
  gap_lo?: number;
  gap_hi?: number;
  memory_bits: number;
  ecr?: number;
  ecr_bound?: string;
  ecr_lo?: number;
  ecr_hi?: number;
  ecr_ebr?: number;
  ecr_ebr_lo?: number;
  ecr_ebr_hi?: number;
  ecr_lut4?: number;
  ecr_lut4_lo?: number;
  ecr_lut4_hi?: number;
  ecr_df_ebr?: number;
  ecr_df_ebr_lo?: number;
  ecr_df_ebr_hi?: number;
  ecr_df_lut4?: number;
  ecr_df_lut4_lo?: number;
  ecr_df_lut4_hi?: number;
  kept_direct: number;
  legacy: number;
}
const fin = (v: number) => (Number.isFinite(v) ? v : undefined);
/** The ends of a cell ECR's seed interval (none without seeds). */
const lo = (e?: CellEcr) => (e ? fin(e.lo) : undefined);
const hi = (e?: CellEcr) => (e ? fin(e.hi) : undefined);
const CELL_COLUMNS: (keyof CellRow & string)[] = ["arch", "width", "depth", "parameters", "precision", "mode", "seeds", "accuracy_mean", "accuracy_sd", "accuracy_lo", "accuracy_hi", "gap_mean", "gap_lo", "gap_hi", "memory_bits", "ecr", "ecr_bound", "ecr_lo", "ecr_hi", "ecr_ebr", "ecr_ebr_lo", "ecr_ebr_hi", "ecr_lut4", "ecr_lut4_lo", "ecr_lut4_hi", "ecr_df_ebr", "ecr_df_ebr_lo", "ecr_df_ebr_hi", "ecr_df_lut4", "ecr_df_lut4_lo", "ecr_df_lut4_hi", "kept_direct", "legacy"];

function cellTable(cells: readonly Cell[]): CellRow[] {
  return cells.map((c) => ({
    arch: c.arch,
    width: c.width,
    depth: c.depth,
    parameters: c.parameters,
    precision: c.precision,
    mode: c.mode,
    seeds: c.accuracy.n,
    accuracy_mean: c.accuracy.mean,
    accuracy_sd: fin(c.accuracy.sd),
    accuracy_lo: fin(c.accuracy.lo),
    accuracy_hi: fin(c.accuracy.hi),
    gap_mean: c.gap.mean,
    gap_lo: fin(c.gap.lo),
    gap_hi: fin(c.gap.hi),
    memory_bits: c.memoryBits,
    ecr: c.ecr?.value,
    ecr_bound: c.ecr?.bound,
    ecr_lo: lo(c.ecr),
    ecr_hi: hi(c.ecr),
    ecr_ebr: c.ecrEbr?.value,
    ecr_ebr_lo: lo(c.ecrEbr),
    ecr_ebr_hi: hi(c.ecrEbr),
    ecr_lut4: c.ecrLut4?.value,
    ecr_lut4_lo: lo(c.ecrLut4),
    ecr_lut4_hi: hi(c.ecrLut4),
    ecr_df_ebr: c.ecrDfEbr?.value,
    ecr_df_ebr_lo: lo(c.ecrDfEbr),
    ecr_df_ebr_hi: hi(c.ecrDfEbr),
    ecr_df_lut4: c.ecrDfLut4?.value,
    ecr_df_lut4_lo: lo(c.ecrDfLut4),
    ecr_df_lut4_hi: hi(c.ecrDfLut4),
    kept_direct: c.keptDirect,
    legacy: c.legacy,
  }));
}

/** A file name the report writes itself (for any of these sweeps, or one of a sweep no longer stored). */
const ownFile = (f: string, sweeps: readonly string[]): boolean =>
  f === "summary.md" || f === "points.csv" || sweeps.some((s) => f.startsWith(`${s}-`)) || /^(ffdnn|cnn)-.*\.(csv|svg)$/.test(f);

export interface BuiltReport {
  files: string[];
  rows: number;
}

/**
 * The files an existing report folder may lose or have rewritten: those its summary.md names, and
 * its other top-level files (carried over); none when it is not a report. Sub-folders are not the
 * report's: a folder holding one is refused.
 */
export function reportFiles(dir: string): string[] {
  let md: string;
  try {
    md = readFileSync(join(dir, "summary.md"), "utf8");
  } catch {
    return [];
  }
  if (!md.startsWith(`# ${REPORT_TITLE}\n`)) return [];
  // Other files at the top level are carried over into the new report (below), so none is lost.
  const carried = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
  return ["summary.md", ...new Set([...(md.match(/[A-Za-z0-9_.-]+\.(?:svg|csv)\b/g) ?? []), ...carried])];
}

/** Writes the report folder atomically; an existing `outDir` is replaced only if this tool wrote it (or `force`). */
export async function buildReport(records: readonly PointRecord[], configs: readonly SweepConfig[], stores: string[], outDir: string, o: { force?: boolean } = {}): Promise<BuiltReport> {
  const { legacy } = currentRecords(records, configs);
  const rows = withAreaEcr(toRows(records, legacy));
  const cells = toCells(rows);
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
      const cs = cells.filter((c) => c.sweep === sweep);
      write(`${sweep}-mean.csv`, toCsv(cellTable(cs), CELL_COLUMNS));
      tables.push(`${sweep}-mean.csv`);
      const gt = gapTable(rs);
      if (gt.length) {
        write(`${sweep}-quantized.csv`, toCsv(gt, ["arch", "width", "depth", "seed", "parameters", "precision", "float", "direct", "retrained", "gap_direct", "gap_retrained", "memory_bits", "ecr", "ecr_bound", "ecr_ideal", "lut4", "ebr", "ecr_lut4", "ecr_lut4_bound", "ecr_ebr", "ecr_ebr_bound", "df_lut4", "df_ebr", "ecr_df_lut4", "ecr_df_lut4_bound", "ecr_df_ebr", "ecr_df_ebr_bound"]));
        tables.push(`${sweep}-quantized.csv`);
      }
      const family = rs[0]!.family;
      const figs: [string, string, ReturnType<typeof accuracyVsParameters> | null][] = [
        [`${sweep}-accuracy.svg`, `${sweep}: test accuracy vs parameters per precision, direct and retrained panels (float in both)`, accuracyVsParameters(cs, `${sweep}: accuracy vs parameters`)],
        [
          `${sweep}-gap-width.svg`,
          `${sweep}: float − retrained gap vs ${family === "ffdnn" ? "hidden width, per depth" : "feature maps of the first conv layer"}`,
          rs.some((r) => r.mode === "retrained") ? gapVsWidth(cs, `${sweep}: gap vs width`, family === "ffdnn" ? "hidden width (log scale)" : "feature maps of the first conv layer (log scale)") : null,
        ],
        [`${sweep}-gap-depth.svg`, `${sweep}: float − retrained gap vs depth, per width`, family === "ffdnn" && rs.some((r) => r.mode === "retrained") ? gapVsDepth(cs, `${sweep}: gap vs depth`) : null],
        [`${sweep}-direct-vs-retrained.svg`, `${sweep}: direct vs retrained accuracy (above the diagonal: retraining helped)`, rs.some((r) => r.mode === "retrained") ? directVsRetrained(rs, `${sweep}: direct vs retrained`) : null],
        [`${sweep}-ecr.svg`, `${sweep}: ECR of the retrained nets vs size: memory, and block RAM and logic of the mac-array (P = ${AREA_LANES}) and of the dataflow pipeline (an image every ${DATAFLOW_INTERVAL.toLocaleString("en-US")} cycles) (triangles are bounds; error bars: 95% seed interval)`, rs.some((r) => r.ecr !== undefined && r.mode === "retrained") ? ecrVsSize(cs, `${sweep}: effective compression ratio`) : null],
      ];
      for (const [file, caption, spec] of figs) {
        if (!spec) continue;
        write(file, await renderSvg(spec));
        figures.push({ sweep, file, caption });
      }
    }
    // Files another tool keeps in the folder (bench/pareto.ts: hardware-pareto.*) are carried over;
    // the report's own kinds (summary, points, <sweep>-*) are always rewritten, so stale ones go.
    for (const f of existsSync(outDir) ? readdirSync(outDir) : [])
      if (!files.includes(f) && !ownFile(f, [...new Set(rows.map((r) => r.sweep))]) && statSync(join(outDir, f)).isFile()) copyFileSync(join(outDir, f), join(dir, f));
    write("summary.md", renderSummary({ settings: settingsOf(records), rows, cells, stores, progress: progressOf(records, configs, legacy), figures, tables }));
  }, { force: o.force, declaredFiles: reportFiles });
  return { files, rows: rows.length };
}
