/** npm run sim -- hw/NAME: co-simulate an existing hardware bundle against its network's reference model. */
import { join } from "node:path";
import { Command } from "commander";
import { cosimulate } from "../sim/cosim.js";
import { loadBundle } from "../sim/bundle.js";
import { measuredInterval, simulatorNamed } from "../sim/run.js";
import { pickVectors } from "../sim/vectors.js";
import { parseIntFlag, runCli } from "../util/cli.js";

async function main(): Promise<void> {
  const program = new Command("sim")
    .description("Co-simulate a hardware bundle (from gen-rtl) against the bit-exact reference model.")
    .argument("<bundle>", "bundle folder, e.g. hw/NAME")
    .option("--vectors <N>", "input vectors", "16")
    .option("--simulator <name>", "icarus or verilator", "icarus")
    .option("--stall <pct>", "random back-pressure on both streams, percent of cycles", "0")
    .option("--seed <n>", "seed for vectors and stalls", "1")
    .option("--json", "print the result as one JSON object", false)
    .exitOverride();
  program.parse();
  const dir = program.args[0]!;
  const o = program.opts<{ vectors: string; simulator: string; stall: string; seed: string; json: boolean }>();
  const vectors = parseIntFlag("--vectors", o.vectors, 1, 100000);
  const stall = parseIntFlag("--stall", o.stall, 0, 95);
  const seed = parseIntFlag("--seed", o.seed, 0);
  const simulator = simulatorNamed(o.simulator).name;
  const { manifest, network: net } = loadBundle(dir);
  const picked = pickVectors(net, vectors, seed);
  const r = await cosimulate(net, dir, picked.inputs, picked.count, { simulator, stall, seed, manifest, runDir: join("sim", "runs", `${net.name}-sim`) });
  const equal = picked.count - new Set(r.mismatches.map((m) => m.vector)).size;
  const interval = stall > 0 ? null : measuredInterval(r.sim.vectors);
  const cyclesOk = stall > 0 || (r.cycles.every((c) => c === manifest.timing.latency) && (interval === null || interval === manifest.timing.interval));
  const result = { bundle: dir, simulator, vectors: picked.count, vectorsEqual: equal, mismatches: r.mismatches.length, latency: { predicted: manifest.timing.latency, measured: stall > 0 ? null : Math.max(...r.cycles) }, interval: { predicted: manifest.timing.interval, measured: interval }, cyclesMatchPrediction: cyclesOk, simulatedCycles: r.sim.totalCycles, simSeconds: r.sim.wallSeconds };
  if (o.json) process.stdout.write(JSON.stringify(result) + "\n");
  else
    process.stdout.write(
      `sim ${dir} (${simulator}): RTL = reference on ${equal}/${picked.count} vectors (${picked.source}), ${r.mismatches.length} mismatching integers; ` +
        `${r.sim.totalCycles} cycles in ${r.sim.wallSeconds.toFixed(2)} s (${Math.round(r.sim.totalCycles / r.sim.wallSeconds)} cycles/s)` +
        (stall > 0 ? `, ${stall}% random stalls\n` : `; latency ${cyclesOk ? "and interval as predicted" : "or interval NOT as predicted"} (${manifest.timing.latency}, ${manifest.timing.interval})\n`),
    );
  if (r.mismatches.length || !cyclesOk) process.exitCode = 1;
}

runCli(main);
