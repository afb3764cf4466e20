/**
 * npm run model-tables [-- --check]: rewrites the accuracy and command cells of the model tables in
 * README.md and docs/training.md from the provenance of the models in models/ (--check: only say
 * whether they are current; exit 1 when not).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { MODEL_TABLE_DOCS, rewriteModelRows, shippedModels } from "../train/model-table.js";
import { runCli } from "../util/cli.js";
import { PROJECT_ROOT } from "../util/environment.js";
import { writeFileAtomic } from "../util/fs.js";

async function main(): Promise<void> {
  const o = new Command("model-tables")
    .description("Rewrite the model tables of README.md and docs/training.md from the shipped models' provenance.")
    .option("--check", "only check; exit 1 when a table is not current", false)
    .exitOverride()
    .parse()
    .opts<{ check: boolean }>();
  const models = shippedModels();
  let stale = 0;
  for (const doc of MODEL_TABLE_DOCS) {
    const file = join(PROJECT_ROOT, doc);
    const text = readFileSync(file, "utf8");
    const current = rewriteModelRows(text, models);
    if (current === text) continue;
    stale++;
    if (o.check) process.stdout.write(`model-tables: ${doc} is not current (npm run model-tables rewrites it)\n`);
    else {
      writeFileAtomic(file, current);
      process.stdout.write(`model-tables: rewrote ${doc}\n`);
    }
  }
  if (o.check && stale) process.exitCode = 1;
}

runCli(main);
