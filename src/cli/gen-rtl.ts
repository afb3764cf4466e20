/**
 * npm run gen-rtl: IR model -> hardware bundle of the chosen architecture (rtl/, mem/, tb/,
 * manifest.json) -> co-simulation against the bit-exact reference, with a short summary. Cost
 * estimates (--estimate) go to the bundle's estimate.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Command, Option } from "commander";
import { loadNetwork } from "../ir/io.js";
import { architectureIds, DEFAULT_ARCH, generateBundle, getArchitecture } from "../hw/registry.js";
import { parseManifest, type Manifest } from "../hw/bundle/manifest.js";
import { cosimulate } from "../sim/cosim.js";
import { simulatorNamed } from "../sim/run.js";
import { timingVerdict } from "../sim/timing.js";
import type { SimulatorName } from "../sim/simulator.js";
import { pickVectors } from "../sim/vectors.js";
import { ESTIMATE_FILE, estimateDesign, type Estimate } from "../cost/estimate.js";
import { designFiles } from "../cost/yosys.js";
import { formatEstimate } from "../cost/format.js";
import { parseIntFlag, parseNumberFlag, runCli } from "../util/cli.js";
import { checkOutputDir, writeFileAtomic } from "../util/fs.js";
import { bundleFiles } from "../hw/common/bundle.js";
import { TritforgeError } from "../util/errors.js";
import { DEFAULT_MODEL, describeModel, formatBits } from "./common.js";
import { BOARD_NAMES } from "../board/boards.js";
import { addBoard } from "../board/bundle.js";
import { loadFoldingFile } from "../hw/dataflow/fold.js";

interface Flags {
  model: string;
  out?: string;
  arch: string;
  lanes?: string;
  params?: string;
  fold?: string;
  targetInterval?: string;
  targetFps?: string;
  clock?: string;
  maxLuts?: string;
  inputPerBeat?: string;
  simulator: string;
  vectors: string;
  sim: boolean;
  json: boolean;
  stall: string;
  seed: string;
  estimate: boolean;
  synth: boolean;
  pnr: boolean;
  board?: string;
  clockMhz?: string;
  baud: string;
  force: boolean;
}

/**
 * The estimate recorded in an existing bundle's estimate.json, with a fingerprint of the design
 * files it was measured on (null when there is none or the bundle cannot be read).
 */
function recordedEstimate(dir: string): { estimate: string; fingerprint: string } | null {
  const file = join(dir, ESTIMATE_FILE);
  if (!existsSync(file) || !existsSync(join(dir, "manifest.json"))) return null;
  try {
    const manifest = parseManifest(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")), dir);
    return { estimate: readFileSync(file, "utf8"), fingerprint: fingerprint(dir, manifest) };
  } catch {
    return null;
  }
}

/** RTL and ROM images of a bundle, byte for byte, in manifest order. */
function fingerprint(dir: string, manifest: Manifest): string {
  return designFiles(dir, manifest)
    .map(([rel, abs]) => `${rel}\n${readFileSync(abs, "latin1")}`)
    .join("\n");
}

/** " (k v, ...)" for an architecture's scalar parameters (structured ones are described by the architecture). */
function scalarParams(params: Record<string, unknown>): string {
  const flat = Object.entries(params).filter(([, v]) => typeof v !== "object");
  return flat.length ? ` (${flat.map(([k, v]) => `${k} ${String(v)}`).join(", ")})` : "";
}

function parsePositive(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\s*[0-9.eE+]+\s*$/.test(value) || !Number.isFinite(n) || n <= 0) throw new TritforgeError(`${flag} must be a positive number, got "${value}"`);
  return n;
}

/** The architecture's raw parameters from --params (a JSON object) and the --lanes / dataflow shortcuts. */
function rawParams(o: Flags): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (o.params !== undefined) {
    let v: unknown;
    try {
      v = JSON.parse(o.params);
    } catch {
      throw new TritforgeError(`--params must be a JSON object, got "${o.params}"`);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new TritforgeError(`--params must be a JSON object, got "${o.params}"`);
    params = v as Record<string, unknown>;
  }
  const df: Record<string, unknown> = {};
  const given = (["fold", "targetInterval", "targetFps", "clock", "maxLuts", "inputPerBeat"] as const).filter((k) => o[k] !== undefined);
  if (given.length && o.arch !== "dataflow") throw new TritforgeError(`--${given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is a dataflow parameter; add --arch dataflow`);
  if (o.fold !== undefined) df.fold = loadFoldingFile(o.fold);
  if (o.targetInterval !== undefined) df.targetInterval = parseIntFlag("--target-interval", o.targetInterval, 1);
  if (o.targetFps !== undefined) df.targetFps = parsePositive("--target-fps", o.targetFps);
  if (o.clock !== undefined) df.clockMHz = parsePositive("--clock", o.clock);
  if (o.maxLuts !== undefined) df.maxLuts = parseIntFlag("--max-luts", o.maxLuts, 1);
  if (o.inputPerBeat !== undefined) df.inputPerBeat = parseIntFlag("--input-per-beat", o.inputPerBeat, 1);
  if (Object.keys(df).length) {
    if ((df.targetFps === undefined) !== (df.clockMHz === undefined)) throw new TritforgeError("--target-fps needs --clock MHZ (and --clock is only used with --target-fps)");
    params = { ...params, ...df };
  }
  if (o.lanes !== undefined) {
    if (o.arch !== "mac-array") throw new TritforgeError(`--lanes is a mac-array parameter; for --arch ${o.arch} use --params`);
    params = { ...params, lanes: parseIntFlag("--lanes", o.lanes, 1, 1024) };
  }
  return params;
}

async function main(): Promise<void> {
  const program = new Command("gen-rtl")
    .description("Generate a ternary/M-level accelerator from a quantized network and co-simulate it against the reference model.")
    .option("--model <file>", "quantized network (IR JSON)", DEFAULT_MODEL)
    .option("--out <dir>", "output bundle folder (default: hw/<network name>)")
    .option("--arch <name>", `architecture (${architectureIds().join(", ")})`, DEFAULT_ARCH)
    .option("--lanes <P>", "mac-array: MAC lanes (default 16)")
    .option("--params <json>", "architecture parameters as a JSON object")
    .option("--fold <file>", "dataflow: explicit folding (JSON {inputPerBeat, layers: [{pe, simd}]}, or a dataflow bundle's manifest.json)")
    .option("--target-interval <cycles>", "dataflow: solver target, cycles between images")
    .option("--target-fps <f>", "dataflow: solver target, images per second (with --clock)")
    .option("--clock <MHz>", "dataflow: clock for --target-fps")
    .option("--max-luts <n>", "dataflow: solver target, fastest folding within n LUT (analytic; default 3000)")
    .option("--input-per-beat <k>", "dataflow: input values per AXI-Stream beat (divides the input size)")
    .option("--simulator <name>", "co-simulation simulator (icarus, verilator)", "icarus")
    .option("--vectors <N>", "input vectors to co-simulate (test images when the model names its data set)", "8")
    .option("--no-sim", "generate only, do not simulate")
    .option("--stall <pct>", "randomly stall the input and output streams this percent of cycles", "0")
    .option("--seed <n>", "seed for random vectors and stalls", "1")
    .option("--estimate", "also estimate memory, area (Yosys) and timing (nextpnr) and record them in estimate.json", false)
    .option("--no-synth", "with --estimate: memory and the analytic model only, no Yosys")
    .option("--no-pnr", "with --estimate: no place and route")
    .addOption(new Option("--board <name>", "also write board/<name>/: top level with clock, power-on reset and UART link, pins, build script").choices(BOARD_NAMES))
    .option("--clock-mhz <f>", "with --board: core clock in MHz (a PLL makes it; default the board oscillator)")
    .option("--baud <n>", "with --board: UART bit rate", "1000000")
    .option("--force", "replace --out even if it is not a bundle tritforge wrote", false)
    .addOption(new Option("--json", "print the summary as one JSON object").default(false))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith("error:") ? s : s) })
    .showHelpAfterError(false)
    .showSuggestionAfterError(false)
    .allowExcessArguments(false);
  program.parse();
  const o = program.opts<Flags>();
  const params = rawParams(o);
  const simulator = simulatorNamed(o.simulator).name as SimulatorName;
  const vectors = parseIntFlag("--vectors", o.vectors, 1, 100000);
  const stall = parseIntFlag("--stall", o.stall, 0, 95);
  const seed = parseIntFlag("--seed", o.seed, 0);
  if (!existsSync(o.model)) throw new TritforgeError(`model file ${o.model} not found`);
  const net = loadNetwork(o.model);
  const outDir = o.out ?? join("hw", net.name);
  checkOutputDir(outDir, { force: o.force, declaredFiles: bundleFiles });
  const previous = o.estimate ? null : recordedEstimate(outDir);
  const boardOptions = o.board ? { coreMHz: o.clockMhz === undefined ? undefined : parseNumberFlag("--clock-mhz", o.clockMhz), baud: parseIntFlag("--baud", o.baud, 1200) } : null;
  const { manifest } = await generateBundle(net, outDir, o.arch, params, { force: o.force });
  const board = o.board && boardOptions ? await addBoard(outDir, o.board, boardOptions) : null;
  // Regenerating an unchanged design keeps the figures measured on it (they depend only on the
  // design files); any change to the RTL or the ROM images drops them.
  let keptEstimate = false;
  if (previous && fingerprint(outDir, manifest) === previous.fingerprint) {
    writeFileAtomic(join(outDir, ESTIMATE_FILE), previous.estimate);
    keptEstimate = true;
  }
  const bits = (role: string) => manifest.memories.filter((m) => m.role === role).reduce((s, m) => s + m.bits, 0);
  const layers = manifest.network.layers;

  const summary: Record<string, unknown> = {
    name: net.name,
    model: o.model,
    untrained: net.provenance.untrained,
    accuracy: net.provenance.accuracy?.value ?? null,
    outDir,
    arch: manifest.arch.id,
    params: manifest.arch.params,
    layers: [manifest.network.input.features, ...layers.map((l) => l.outFeatures)],
    levels: layers.map((l) => l.levels),
    ...manifest.arch.params,
    romBits: bits("weights"),
    biasRomBits: bits("bias"),
    activationBufferBits: bits("activations"),
    latency: { predicted: manifest.timing.latency, measured: null as number | null },
    interval: { predicted: manifest.timing.interval, measured: null as number | null },
    idealCycles: manifest.timing.ideal,
    vectors: 0,
    mismatches: 0,
  };
  let ok = true;
  if (o.sim) {
    const picked = pickVectors(net, vectors, seed);
    const report = await cosimulate(net, outDir, picked.inputs, picked.count, { simulator, stall, seed, runDir: join("sim", "runs", net.name) });
    const measured = stall > 0 ? null : timingVerdict(manifest, report.sim.vectors);
    const cyclesOk = !measured || measured.ok;
    summary.latency = { predicted: manifest.timing.latency, measured: measured?.latency ?? null };
    summary.interval = { predicted: manifest.timing.interval, measured: measured?.interval ?? null };
    ok = report.mismatches.length === 0 && cyclesOk;
    Object.assign(summary, {
      vectors: picked.count,
      vectorSource: picked.source,
      mismatches: report.mismatches.length,
      vectorsEqual: picked.count - new Set(report.mismatches.map((m) => m.vector)).size,
      firstMismatches: report.mismatches.slice(0, 5),
      simulator,
      cyclesMatchPrediction: cyclesOk,
      labelsCorrect: picked.labels ? report.sim.vectors.filter((v, i) => v.predicted === picked.labels![i]).length : null,
      simulatedCycles: report.sim.totalCycles,
      simSeconds: Number(report.sim.wallSeconds.toFixed(3)),
    });
  }
  if (o.estimate) {
    const estimate = await estimateDesign(outDir, { synth: o.synth, pnr: o.pnr, onProgress: (line) => process.stderr.write(o.json ? "" : `  ${line}\n`) });
    writeFileAtomic(join(outDir, ESTIMATE_FILE), JSON.stringify(estimate, null, 2) + "\n");
    summary.estimate = estimate;
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
  } else {
    const t = manifest.timing;
    const pct = ((t.latency / t.ideal - 1) * 100).toFixed(1);
    const lines = [
      `tritforge gen-rtl: ${describeModel(net)}`,
      `  layers    ${[manifest.network.input.shape.join("x"), ...layers.map((l) => (l.kind === "conv2d" ? `conv${l.outFeatures}` : String(l.outFeatures)))].join("-")}, levels ${layers.map((l) => l.levels).join("/")}, ${manifest.network.input.bits}-bit inputs, ${Math.max(...layers.map((l) => l.accBits))}-bit accumulators`,
      `  arch      ${manifest.arch.id}${scalarParams(manifest.arch.params)}`,
      `  memory    weight ROM ${formatBits(bits("weights"))}, bias ROM ${formatBits(bits("bias"))}, activation buffers ${formatBits(bits("activations"))}`,
      ...(getArchitecture(manifest.arch.id).describe?.(manifest) ?? []),
      `  cycles    latency ${t.latency}, interval ${t.interval} (ideal ${t.ideal}, latency +${pct}%)`,
      `  wrote     ${relative(process.cwd(), outDir) || outDir}/ (rtl/, mem/, tb/, manifest.json, network.json)`,
    ];
    if (board) lines.push(`  board     ${board.dir}/ for the ${board.board.label}: ${board.module}, ${board.coreMHz} MHz core, UART ${board.baud} baud (npm run board -- build ${outDir} --board ${board.board.name})`);
    if (keptEstimate) lines.push("  estimate  design unchanged: kept the cost estimate in estimate.json (--estimate remeasures)");
    if (o.sim) {
      const s = summary as { vectors: number; vectorsEqual: number; mismatches: number; latency: { measured: number | null }; interval: { measured: number | null }; vectorSource: string; labelsCorrect: number | null; simSeconds: number; simulatedCycles: number };
      lines.push(
        `  co-sim    RTL = reference on ${s.vectorsEqual}/${s.vectors} vectors (${s.vectorSource}), ${s.mismatches} mismatching integers`,
        `            ${s.simulatedCycles} cycles simulated in ${s.simSeconds} s (${simulator})` +
          (s.latency.measured !== null ? `; measured latency ${s.latency.measured}${s.interval.measured !== null ? `, interval ${s.interval.measured}` : ""} (${ok ? "= prediction" : "PREDICTION MISSED"})` : "") +
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
