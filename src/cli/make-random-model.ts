/** Writes a seeded random (untrained) network: npm run make-random-model -- --sizes 784,128,128,10 --out FILE */
import { Command } from "commander";
import { saveNetwork } from "../ir/io.js";
import { randomDenseNetwork } from "../ir/random.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";

async function main(): Promise<void> {
  const o = new Command("make-random-model")
    .requiredOption("--sizes <list>", "layer widths including the input, e.g. 784,128,128,10")
    .requiredOption("--out <file>", "output IR file")
    .option("--name <id>", "network name", "random_net")
    .option("--levels <M>", "weight levels", "3")
    .option("--seed <n>", "seed", "1")
    .exitOverride()
    .parse()
    .opts<{ sizes: string; out: string; name: string; levels: string; seed: string }>();
  const sizes = o.sizes.split(",").map((s) => parseIntFlag("--sizes", s, 1, 1 << 20));
  if (sizes.length < 2) throw new TritforgeError("--sizes needs at least an input and an output width");
  const net = randomDenseNetwork({ name: o.name, seed: parseIntFlag("--seed", o.seed, 0), sizes, levels: parseIntFlag("--levels", o.levels, 3, 255) });
  saveNetwork(net, o.out);
  process.stdout.write(`wrote ${o.out}\n`);
}

runCli(main);
