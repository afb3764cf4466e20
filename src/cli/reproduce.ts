/**
 * npm run reproduce -- models/NAME.json [...]: makes each model again from the recipe in its
 * provenance, in a scratch folder, and says whether the result is byte-identical (the recipe's
 * environment aside) or which accuracies and how many weights differ. Exit 0 when every model
 * reproduced, 1 otherwise.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { formatDiff } from "../ir/diff.js";
import { loadNetworkFile } from "../ir/io.js";
import { recipeOf, reproduceNetwork, type Reproduction } from "../train/reproduce.js";
import { runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { ensureWritableDir } from "../util/fs.js";

interface Flags {
  work?: string;
  json: boolean;
  progress: boolean;
}

/** A scratch folder: the given one (new or empty, kept) or a temporary one (removed afterwards). */
function scratch(given: string | undefined, index: number, count: number): { dir: string; remove: boolean } {
  if (given === undefined) return { dir: mkdtempSync(join(tmpdir(), "tritforge-reproduce-")), remove: true };
  const dir = resolve(count > 1 ? join(given, String(index)) : given);
  ensureWritableDir(dir);
  if (readdirSync(dir).length) throw new TritforgeError(`--work ${dir} is not empty; give a new or empty folder`);
  return { dir, remove: false };
}

async function main(): Promise<void> {
  const program = new Command("reproduce")
    .description("Make models again from the recipe recorded in their provenance and compare them with the files byte for byte.")
    .argument("<models...>", "IR files with a recipe (provenance.recipe)")
    .option("--work <dir>", "keep the scratch work (float model folder, reproduced.json) in this new or empty folder")
    .option("--json", "print one JSON object per model", false)
    .option("--no-progress", "no progress bar")
    .exitOverride();
  program.parse();
  const o = program.opts<Flags>();
  const files = program.args;
  const models = files.map((f) => ({ file: f, net: loadNetworkFile(f) })); // every file is checked before any training
  for (const m of models) recipeOf(m.net.network, m.file);
  let failed = 0;
  for (const [i, m] of models.entries()) {
    const work = scratch(o.work, i, models.length);
    let r: Reproduction;
    try {
      r = await reproduceNetwork(m.net, m.file, { workDir: work.dir, progress: o.progress && !o.json });
    } finally {
      if (work.remove) rmSync(work.dir, { recursive: true, force: true });
    }
    if (!r.diff.identical) failed++;
    if (o.json) process.stdout.write(JSON.stringify({ file: m.file, identical: r.diff.identical, digest: r.digest, seconds: Math.round(r.seconds), diff: r.diff, environment: r.environment }) + "\n");
    else {
      const verdict = r.diff.identical ? `identical (byte for byte, recipe environment aside), ${r.digest.slice(0, 19)}` : formatDiff(r.diff);
      process.stdout.write(`reproduce: ${m.file} ${verdict} [${Math.round(r.seconds)} s]\n`);
      if (r.environment.length) process.stdout.write(`  environment: ${r.environment.join("; ")}\n`);
      if (!work.remove) process.stdout.write(`  work kept in ${work.dir} (reproduced.json)\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

runCli(main);
