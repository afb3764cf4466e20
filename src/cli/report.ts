/**
 * npm run report -- [--store results/a.jsonl ...] [--configs sweeps/*.json ...] [--out report]
 *
 * Reads sweep stores (default: every results/*.jsonl, merged in memory with duplicates dropped)
 * and writes report/: summary.md, CSV tables and SVG figures.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { buildReport, reportFiles } from "../report/build.js";
import { loadSweepConfig, type SweepConfig } from "../sweep/config.js";
import { currentRecords } from "../report/current.js";
import { mergeRecords, readStore, skippedLines } from "../sweep/store.js";
import { runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { checkOutputDir } from "../util/fs.js";

const listJson = (dir: string, ext: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f)) : []);

async function main(): Promise<void> {
  const program = new Command("report")
    .description("Write the resiliency-study report (summary.md, CSV tables, SVG plots) from sweep stores.")
    .option("--store <files...>", "sweep stores (default: results/*.jsonl)")
    .option("--configs <files...>", "sweep configs, for completeness counts (default: sweeps/*.json)")
    .option("--out <dir>", "output folder", "report")
    .option("--force", "replace --out even if it is not a report tritforge wrote", false)
    .exitOverride();
  program.parse();
  const o = program.opts<{ store?: string[]; configs?: string[]; out: string; force: boolean }>();
  checkOutputDir(o.out, { force: o.force, declaredFiles: reportFiles });
  const stores = o.store ?? listJson("results", ".jsonl");
  if (stores.length === 0) throw new TritforgeError("no stores to report on (run a sweep, or pass --store FILE)");
  for (const s of stores) if (!existsSync(s)) throw new TritforgeError(`store ${s} does not exist`);
  const configs: SweepConfig[] = (o.configs ?? listJson("sweeps", ".json")).map(loadSweepConfig);
  const contents = stores.map(readStore);
  contents.forEach((c, i) => {
    const skipped = skippedLines(c);
    if (skipped) process.stderr.write(`warning: ${stores[i]}: skipped ${skipped} corrupt line(s)\n`);
  });
  const merged = mergeRecords(contents.map((c) => c.records));
  if (merged.records.length === 0) throw new TritforgeError(`no finished points in ${stores.join(", ")}`);
  if (merged.conflicts.length) process.stderr.write(`warning: points with differing results across stores (first kept): ${merged.conflicts.join(", ")}\n`);
  // Records of a sweep whose config has changed since (other epochs, levels...) are not mixed in.
  const { records, legacy, dropped } = currentRecords(merged.records, configs);
  if (dropped) process.stderr.write(`note: ${dropped} stored point(s) no longer in their sweep's config were left out\n`);
  if (legacy.size) process.stderr.write(`note: ${legacy.size} quantized point(s) predate the keep-direct rule and stand in for their points until those are run\n`);
  if (records.length === 0) throw new TritforgeError("no stored point belongs to the current sweep configs");
  const r = await buildReport(records, configs, stores, o.out, { force: o.force });
  process.stdout.write(`report: ${records.length} points (${r.rows} rows) from ${stores.length} store(s) -> ${o.out}/ (${r.files.join(", ")})\n`);
}

runCli(main);
