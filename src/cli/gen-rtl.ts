/**
 * npm run gen-rtl: IR model -> hardware bundle (rtl/, mem/, tb/, manifest.json) -> co-simulation
 * against the bit-exact reference, with a short summary.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Command, Option } from "commander";
import { loadNetwork } from "../ir/io.js";
import { generateBundle } from "../rtl/generate.js";
import { cosimulate } from "../sim/cosim.js";
import { pickVectors } from "../sim/vectors.js";
import { estimateDesign, type Estimate } from "../cost/estimate.js";
import { parseManifest } from "../cost/manifest.js";
import { designFiles } from "../cost/yosys.js";
import { formatEstimate } from "../cost/format.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { writeFileAtomic } from "../util/fs.js";
import { TritforgeError } from "../util/errors.js";
import { DEFAULT_MODEL, describeModel, formatBits } from "./common.js";

interface Flags {
  model: string;
  out?: string;
  lanes: string;
  vectors: string;
  sim: boolean;
  json: boolean;
  stall: string;
  seed: string;
  estimate: boolean;
  synth: boolean;
  pnr: boolean;
}

/**
 * The estimate recorded in an existing bundle's manifest, with a fingerprint of the design files it
 * was measured on (null when there is none or the bundle cannot be read).
 */
function recordedEstimate(dir: string): { estimate: unknown; fingerprint: string } | null {
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) return null;
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (raw.estimate === undefined) return null;
    return { estimate: raw.estimate, fingerprint: fingerprint(dir, raw) };
  } catch {
    return null;
  }
}

/** RTL and ROM images of a bundle, byte for byte, in manifest order. */
function fingerprint(dir: string, manifest: unknown): string {
  return designFiles(dir, parseManifest(manifest, join(dir, "manifest.json")))
    .map(([rel, abs]) => `${rel}\n${readFileSync(abs, "latin1")}`)
    .join("\n");
}

async function main(): Promise<void> {
  const program = new Command("gen-rtl")
    .description("Generate a ternary/M-level MAC-array accelerator from a quantized network and co-simulate it against the reference model.")
    .option("--model <file>", "quantized network (IR JSON)", DEFAULT_MODEL)
    .option("--out <dir>", "output bundle folder (default: hw/<network name>)")
    .option("--lanes <P>", "MAC lanes", "16")
    .option("--vectors <N>", "input vectors to co-simulate (test images when the model names its data set)", "8")
    .option("--no-sim", "generate only, do not simulate")
    .option("--stall <pct>", "randomly stall the input and output streams this percent of cycles", "0")
    .option("--seed <n>", "seed for random vectors and stalls", "1")
    .option("--estimate", "also estimate memory, area (Yosys) and timing (nextpnr) and record them in the manifest", false)
    .option("--no-synth", "with --estimate: memory and the analytic model only, no Yosys")
    .option("--no-pnr", "with --estimate: no place and route")
    .addOption(new Option("--json", "print the summary as one JSON object").default(false))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith("error:") ? s : s) })
    .showHelpAfterError(false)
    .allowExcessArguments(false);
  program.parse();
  const o = program.opts<Flags>();
  const lanes = parseIntFlag("--lanes", o.lanes, 1, 1024);
  const vectors = parseIntFlag("--vectors", o.vectors, 1, 100000);
  const stall = parseIntFlag("--stall", o.stall, 0, 95);
  const seed = parseIntFlag("--seed", o.seed, 0);
  if (!existsSync(o.model)) throw new TritforgeError(`model file ${o.model} not found`);
  const net = loadNetwork(o.model);
  const outDir = o.out ?? join("hw", net.name);
  const previous = o.estimate ? null : recordedEstimate(outDir);
  const { plan, manifest } = await generateBundle(net, lanes, outDir);
  // Regenerating an unchanged design keeps the figures measured on it (they depend only on the
  // design files); any change to the RTL or the ROM images drops them.
  let keptEstimate = false;
  if (previous && fingerprint(outDir, manifest) === previous.fingerprint) {
    writeFileAtomic(join(outDir, "manifest.json"), JSON.stringify({ ...manifest, estimate: previous.estimate }, null, 2) + "\n");
    keptEstimate = true;
  }

  const summary: Record<string, unknown> = {
    name: net.name,
    model: o.model,
    untrained: net.provenance.untrained,
    accuracy: net.provenance.accuracy?.value ?? null,
    outDir,
    layers: [plan.inputFeatures, ...plan.layers.map((l) => l.nOut)],
    levels: plan.layers.map((l) => l.levels),
    lanes,
    romBits: manifest.romBits,
    biasRomBits: manifest.biasRomBits,
    activationBufferBits: manifest.activationBufferBits,
    cyclesPerInference: manifest.cyclesPerInference,
    idealCycles: manifest.idealCycles,
    vectors: 0,
    mismatches: 0,
  };
  let ok = true;
  if (o.sim) {
    const picked = pickVectors(net, vectors, seed);
    const report = await cosimulate(net, outDir, picked.inputs, picked.count, { stall, seed, runDir: join("sim", "runs", net.name) });
    const cyclesOk = stall > 0 || report.cycles.every((c) => c === manifest.cyclesPerInference);
    ok = report.mismatches.length === 0 && cyclesOk;
    Object.assign(summary, {
      vectors: picked.count,
      vectorSource: picked.source,
      mismatches: report.mismatches.length,
      vectorsEqual: picked.count - new Set(report.mismatches.map((m) => m.vector)).size,
      firstMismatches: report.mismatches.slice(0, 5),
      measuredCycles: stall > 0 ? null : report.cycles[0],
      cyclesMatchPrediction: cyclesOk,
      labelsCorrect: picked.labels ? report.sim.vectors.filter((v, i) => v.predicted === picked.labels![i]).length : null,
      simulatedCycles: report.sim.totalCycles,
      simSeconds: Number(report.sim.wallSeconds.toFixed(3)),
    });
  }
  if (o.estimate) {
    const estimate = await estimateDesign(outDir, { synth: o.synth, pnr: o.pnr, onProgress: (line) => process.stderr.write(o.json ? "" : `  ${line}\n`) });
    writeFileAtomic(join(outDir, "manifest.json"), JSON.stringify({ ...manifest, estimate }, null, 2) + "\n");
    summary.estimate = estimate;
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
  } else {
    const pct = ((manifest.cyclesPerInference / manifest.idealCycles - 1) * 100).toFixed(1);
    const lines = [
      `tritforge gen-rtl: ${describeModel(net)}`,
      `  layers    ${(summary.layers as number[]).join("-")}, levels ${plan.layers.map((l) => l.levels).join("/")}, ${plan.inputBits}-bit inputs, ${plan.accBits}-bit accumulators`,
      `  lanes     ${lanes}`,
      `  memory    weight ROM ${formatBits(manifest.romBits)}, bias ROM ${formatBits(manifest.biasRomBits)}, activation buffers ${formatBits(manifest.activationBufferBits)}`,
      `  cycles    ${manifest.cyclesPerInference} per inference (ideal sum ceil(N_out/P) N_in = ${manifest.idealCycles}, +${pct}%)`,
      `  wrote     ${relative(process.cwd(), outDir) || outDir}/ (rtl/, mem/, tb/, manifest.json, network.json)`,
    ];
    if (keptEstimate) lines.push("  estimate  design unchanged: kept the cost estimate recorded in manifest.json (--estimate remeasures)");
    if (o.sim) {
      const s = summary as { vectors: number; vectorsEqual: number; mismatches: number; measuredCycles: number | null; vectorSource: string; labelsCorrect: number | null; simSeconds: number; simulatedCycles: number };
      lines.push(
        `  co-sim    RTL = reference on ${s.vectorsEqual}/${s.vectors} vectors (${s.vectorSource}), ${s.mismatches} mismatching integers`,
        `            ${s.simulatedCycles} cycles simulated in ${s.simSeconds} s` +
          (s.measuredCycles !== null ? `; measured ${s.measuredCycles} cycles per inference (${s.measuredCycles === manifest.cyclesPerInference ? "= prediction" : "PREDICTION MISSED"})` : "") +
          (s.labelsCorrect !== null ? `; ${s.labelsCorrect}/${s.vectors} labels correct` : ""),
      );
    } else {
      lines.push("  co-sim    skipped (--no-sim)");
    }
    if (summary.estimate) lines.push(formatEstimate(summary.estimate as Estimate));
    process.stdout.write(lines.join("\n") + "\n");
  }
  if (!ok) {
    process.stderr.write(`error: RTL and reference disagree (${summary.mismatches} mismatching integers) or cycles differ from the prediction\n`);
    process.exitCode = 1;
  }
}

runCli(main);
