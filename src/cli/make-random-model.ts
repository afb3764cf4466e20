/** Writes a seeded random (untrained) network with its recipe: npm run make-random-model -- --sizes 784,128,128,10 --out FILE */
import { Command } from "commander";
import { saveNetwork } from "../ir/io.js";
import { parseRandomFlags, RANDOM_DEFAULTS as D, randomModel } from "../ir/random-recipe.js";
import { runCli } from "../util/cli.js";
import { toolEnvironment } from "../util/environment.js";

async function main(): Promise<void> {
  const o = new Command("make-random-model")
    .requiredOption("--sizes <list>", "layer widths including the input, e.g. 784,128,128,10")
    .requiredOption("--out <file>", "output IR file")
    .option("--name <id>", "network name", D.name)
    .option("--levels <M>", "weight levels", D.levels)
    .option("--seed <n>", "seed", D.seed)
    .exitOverride()
    .parse()
    .opts<{ sizes: string; out: string; name: string; levels: string; seed: string }>();
  const net = randomModel(parseRandomFlags(o), { ...toolEnvironment(), createdAt: new Date().toISOString() });
  saveNetwork(net, o.out);
  process.stdout.write(`wrote ${o.out}\n`);
}

runCli(main);
