/**
 * npm run sim -- hw/NAME: co-simulate an existing hardware bundle against its network's reference
 * model, on N vectors or the model's whole test set (`--vectors all`), sharded over simulator
 * processes (`--jobs`), machines (`--shard i/n --out FILE`, then `--merge FILE...`), in Icarus or
 * Verilator.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { loadBundle } from "../sim/bundle.js";
import { simulatorNamed } from "../sim/run.js";
import type { SimulatorName } from "../sim/simulator.js";
import { pickVectors } from "../sim/vectors.js";
import { integerOnnx } from "../onnx/export-int.js";
import { checkWithOnnxRuntime, type OracleReport } from "../onnx/runtime.js";
import { defaultJobs, manifestDigest, mergeResults, parseShard, readSliceResult, runSlice, sliceOf, summarize, type RunSummary, type SliceResult } from "../sim/whole-set.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";

interface Flags {
  vectors: string;
  simulator: string;
  jobs?: string;
  shard?: string;
  out?: string;
  merge?: string[];
  stall: string;
  seed: string;
  json: boolean;
  onnx: boolean;
}

const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(2)}%`);

function format(s: RunSummary, jobs: number | null): string {
  const lines = [
    `sim ${s.bundle} (${s.simulator}${jobs ? `, ${jobs} processes` : ""}): ${s.vectors} vectors (${s.source})${s.complete ? "" : ` of ${s.total}: INCOMPLETE`}`,
    `  integers   ${s.mismatches} mismatching; RTL = reference on ${s.vectorsEqual}/${s.vectors} vectors`,
    `  accuracy   RTL ${pct(s.rtlAccuracy)}, reference ${pct(s.referenceAccuracy)}, recorded ${pct(s.recordedAccuracy)}`,
    `  cycles     latency ${s.latency.measured ?? `${s.latency.min}..${s.latency.max} (stalled)`} (predicted ${s.latency.predicted}), interval ${s.interval.measured ?? "n/a"} (predicted ${s.interval.predicted})`,
    `  time       ${s.simulatedCycles} cycles simulated; ${s.simSeconds.toFixed(1)} s in simulators (${(s.cyclesPerSecond / 1e6).toFixed(2)} M cycles/s per process)` +
      (s.cpuSeconds !== null && s.cyclesPerCpuSecond !== null ? `, ${s.cpuSeconds.toFixed(1)} CPU s (${(s.cyclesPerCpuSecond / 1e6).toFixed(2)} M cycles per CPU second)` : "") +
      `; build ${s.buildSeconds.toFixed(1)} s; wall ${s.wallSeconds.toFixed(1)} s`,
  ];
  for (const m of s.firstMismatches.slice(0, 5)) lines.push(`  MISMATCH   vector ${m.vector} ${m.field}: RTL ${m.rtl}, reference ${m.reference}`);
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const program = new Command("sim")
    .description("Co-simulate a hardware bundle (from gen-rtl) against the bit-exact reference model.")
    .argument("<bundle>", "bundle folder, e.g. hw/NAME")
    .option("--vectors <N|all>", "input vectors: a number, or all (the model's whole test set)", "16")
    .addOption(new Option("--simulator <name>", "simulator").choices(["icarus", "verilator"]).default("icarus"))
    .option("--jobs <N>", `simulator processes in parallel (default: the core count, ${defaultJobs()})`)
    .option("--shard <i/n>", "run only part i of n (contiguous slices); write it with --out, join parts with --merge")
    .option("--out <file>", "write this run's (or shard's) result as JSON, for --merge")
    .option("--merge <files...>", "join shard results written with --out instead of simulating")
    .option("--stall <pct>", "random back-pressure on both streams, percent of cycles", "0")
    .option("--seed <n>", "seed for random vectors and stalls", "1")
    .option("--json", "print the summary as one JSON object", false)
    .option("--onnx", "also run the network's exact integer ONNX export in ONNX Runtime on the same vectors and compare every logit with the reference", false)
    .exitOverride()
    .allowExcessArguments(false);
  program.parse();
  const t0 = performance.now();
  const dir = program.args[0]!;
  const o = program.opts<Flags>();
  const simulator = simulatorNamed(o.simulator).name as SimulatorName;
  const stall = parseIntFlag("--stall", o.stall, 0, 95);
  const seed = parseIntFlag("--seed", o.seed, 0);
  const jobs = o.jobs === undefined ? defaultJobs() : parseIntFlag("--jobs", o.jobs, 1, 256);
  const bundle = loadBundle(dir);
  const recorded = bundle.network.provenance.accuracy?.value ?? null;
  let result: SliceResult;
  let onnx: OracleReport | null = null;
  if (o.merge) {
    if (o.onnx) throw new TritforgeError("--onnx checks the vectors a run simulates: it does not take --merge");
    if (o.shard) throw new TritforgeError("--merge joins finished shards: it does not take --shard");
    result = mergeResults(o.merge.map(readSliceResult));
    if (result.manifestDigest !== manifestDigest(bundle.dir)) throw new TritforgeError(`--merge: the shard results were made from a different ${dir}/manifest.json (regenerated since?)`);
  } else {
    const all = o.vectors.trim() === "all";
    const wanted = all ? Number.POSITIVE_INFINITY : parseIntFlag("--vectors", o.vectors, 1, 10_000_000);
    const picked = pickVectors(bundle.network, wanted, seed);
    const shard = o.shard ? parseShard(o.shard) : { index: 1, of: 1 };
    const slice = sliceOf(picked.count, shard.index, shard.of);
    if (slice.count === 0) throw new TritforgeError(`--shard ${shard.index}/${shard.of} of ${picked.count} vectors is empty`);
    simulatorNamed(simulator).check();
    result = await runSlice(bundle, picked, {
      simulator,
      jobs,
      stall,
      seed,
      first: slice.first,
      count: slice.count,
      bundleName: dir,
      runRoot: resolve("sim", "runs", `${bundle.manifest.name}-${simulator}-${shard.index}of${shard.of}`),
      onProgress: o.json ? undefined : (line) => process.stderr.write(`  .. ${line}\n`),
    });
    if (o.onnx) {
      const size = picked.inputs.length / picked.count;
      const inputs = Uint8Array.from(picked.inputs.subarray(slice.first * size, (slice.first + slice.count) * size));
      const labels = picked.labels ? Array.from({ length: slice.count }, (_, i) => picked.labels![slice.first + i]!) : undefined;
      onnx = await checkWithOnnxRuntime(bundle.network, integerOnnx(bundle.network), inputs, slice.count, labels);
    }
  }
  if (o.out) writeFileAtomic(o.out, JSON.stringify(result, null, 1) + "\n");
  const summary = summarize(result, bundle.manifest, recorded, (performance.now() - t0) / 1000);
  if (o.json) process.stdout.write(JSON.stringify(onnx ? { ...summary, onnx } : summary) + "\n");
  else {
    process.stdout.write(format(summary, o.merge ? null : jobs));
    if (onnx) process.stdout.write(`  onnx       ONNX Runtime = reference on ${onnx.logits - onnx.mismatches}/${onnx.logits} logits of the integer ONNX export (${onnx.seconds.toFixed(1)} s)\n`);
  }
  if (!summary.ok || (onnx && onnx.mismatches > 0)) {
    const why = summary.mismatches
      ? `RTL and reference disagree on ${summary.mismatches} integer(s) in ${summary.vectors - summary.vectorsEqual} of ${summary.vectors} vectors`
      : summary.rtlAccuracy !== summary.referenceAccuracy
        ? `RTL accuracy ${pct(summary.rtlAccuracy)} differs from the reference's ${pct(summary.referenceAccuracy)}`
        : !summary.ok
          ? `cycles differ from the manifest's prediction (latency ${summary.latency.predicted}, interval ${summary.interval.predicted})`
          : `ONNX Runtime and the reference disagree on ${onnx!.mismatches} of ${onnx!.logits} logits`;
    process.stderr.write(`error: ${dir}: ${why}\n`);
    process.exitCode = 1;
  }
}

runCli(main);
