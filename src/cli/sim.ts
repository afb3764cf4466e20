/** npm run sim -- hw/NAME: co-simulate an existing hardware bundle against its network's reference model. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { loadNetwork } from "../ir/io.js";
import { cosimulate } from "../sim/cosim.js";
import { readManifest } from "../sim/iverilog.js";
import { pickVectors } from "../sim/vectors.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";

async function main(): Promise<void> {
  const program = new Command("sim")
    .description("Co-simulate a hardware bundle (from gen-rtl) against the bit-exact reference model.")
    .argument("<bundle>", "bundle folder, e.g. hw/NAME")
    .option("--vectors <N>", "input vectors", "16")
    .option("--stall <pct>", "random back-pressure on both streams, percent of cycles", "0")
    .option("--seed <n>", "seed for vectors and stalls", "1")
    .option("--json", "print the result as one JSON object", false)
    .exitOverride();
  program.parse();
  const bundle = program.args[0]!;
  const o = program.opts<{ vectors: string; stall: string; seed: string; json: boolean }>();
  const vectors = parseIntFlag("--vectors", o.vectors, 1, 100000);
  const stall = parseIntFlag("--stall", o.stall, 0, 95);
  const seed = parseIntFlag("--seed", o.seed, 0);
  if (!existsSync(join(bundle, "network.json"))) throw new TritforgeError(`${bundle} is not a hardware bundle (no network.json)`);
  const manifest = readManifest(bundle);
  const net = loadNetwork(join(bundle, "network.json"));
  const picked = pickVectors(net, vectors, seed);
  const r = await cosimulate(net, bundle, picked.inputs, picked.count, { stall, seed, runDir: join("sim", "runs", `${net.name}-sim`) });
  const equal = picked.count - new Set(r.mismatches.map((m) => m.vector)).size;
  const cyclesOk = stall > 0 || r.cycles.every((c) => c === manifest.cyclesPerInference);
  const result = { bundle, vectors: picked.count, vectorsEqual: equal, mismatches: r.mismatches.length, cyclesPerInference: manifest.cyclesPerInference, measuredCycles: r.cycles, cyclesMatchPrediction: cyclesOk, simulatedCycles: r.sim.totalCycles, simSeconds: r.sim.wallSeconds };
  if (o.json) process.stdout.write(JSON.stringify(result) + "\n");
  else
    process.stdout.write(
      `sim ${bundle}: RTL = reference on ${equal}/${picked.count} vectors (${picked.source}), ${r.mismatches.length} mismatching integers; ` +
        `${r.sim.totalCycles} cycles in ${r.sim.wallSeconds.toFixed(2)} s (${Math.round(r.sim.totalCycles / r.sim.wallSeconds)} cycles/s)` +
        (stall > 0 ? `, ${stall}% random stalls\n` : `; ${cyclesOk ? "every vector took the predicted" : "NOT every vector took the predicted"} ${manifest.cyclesPerInference} cycles\n`),
    );
  if (r.mismatches.length || !cyclesOk) process.exitCode = 1;
}

runCli(main);
