/**
 * npm run export -- --model models/X.json --format onnx --out X.onnx [--check]: the quantized
 * network as a standard ONNX graph that computes the numeric contract exactly; --check runs it in
 * ONNX Runtime on test images and compares every logit with the bit-exact reference.
 * npm run export -- --float-model DIR --format onnx|tfjs --out F: a float model folder (trained or
 * imported) as a float ONNX graph (PyTorch layout) or a TF.js Layers model folder.
 */
import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import { loadFloatNetwork } from "../import/float-model.js";
import { saveTfjsModel } from "../import/tfjs.js";
import { loadNetwork } from "../ir/io.js";
import { floatOnnx } from "../onnx/export-float.js";
import { initBackend } from "../tf/backend.js";
import { integerOnnx } from "../onnx/export-int.js";
import { checkWithOnnxRuntime } from "../onnx/runtime.js";
import { pickVectors, testSplitOf } from "../sim/vectors.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { writeDirAtomic, writeFileAtomic } from "../util/fs.js";

/** Inputs checked by default when the model's test images are not at hand (untrained models). */
const RANDOM_SAMPLES = 1000;

interface Flags {
  model?: string;
  floatModel?: string;
  format: "onnx" | "tfjs";
  out: string;
  check: boolean;
  samples: string;
  seed: string;
  json: boolean;
}

async function main(): Promise<void> {
  const program = new Command("export")
    .description("Export a quantized network (IR) to a standard format; --check runs the export in ONNX Runtime against the bit-exact reference.")
    .option("--model <file>", "quantized network (IR JSON): exported as an exact integer ONNX graph")
    .option("--float-model <dir>", "float model folder (from train or import): exported as float ONNX or TF.js Layers")
    .addOption(new Option("--format <format>", "onnx, or tfjs (TF.js Layers, float models only)").choices(["onnx", "tfjs"]).default("onnx"))
    .requiredOption("--out <file>", "output file (.onnx), or folder for tfjs")
    .option("--check", "run the exported graph in ONNX Runtime and compare every logit with the reference", false)
    .option("--samples <N>", "with --check: test images (or seeded random inputs for untrained models); default all test images (1,000 random inputs when they are not at hand)", "0")
    .option("--seed <n>", "seed of random inputs for untrained models", "1")
    .option("--json", "print the result as one JSON object", false)
    .exitOverride()
    .allowExcessArguments(false);
  program.parse();
  const o = program.opts<Flags>();
  if (!o.model === !o.floatModel) throw new TritforgeError("give exactly one of --model FILE (quantized IR) or --float-model DIR (float model folder)");
  if (o.floatModel) return exportFloat(o.floatModel, o.format, o.out);
  if (o.format !== "onnx") throw new TritforgeError(`--format ${o.format} is for float models (--float-model); quantized networks export as onnx`);
  if (!o.out.endsWith(".onnx")) throw new TritforgeError(`--out must name a .onnx file, got ${o.out}`);
  if (!existsSync(o.model!)) throw new TritforgeError(`model file ${o.model} not found`);
  const samples = parseIntFlag("--samples", o.samples, 0, 10_000_000);
  const seed = parseIntFlag("--seed", o.seed, 0);
  const net = loadNetwork(o.model!);
  const model = integerOnnx(net);
  writeFileAtomic(o.out, model);
  const result: Record<string, unknown> = { model: o.model, out: o.out, format: o.format, bytes: model.length };
  let ok = true;
  if (o.check) {
    const picked = pickVectors(net, samples || (testSplitOf(net)?.count ?? RANDOM_SAMPLES), seed);
    const r = await checkWithOnnxRuntime(net, model, Uint8Array.from(picked.inputs), picked.count, picked.labels ?? undefined);
    ok = r.mismatches === 0;
    Object.assign(result, { check: { ...r, source: picked.source, accuracy: r.correct === null ? null : r.correct / r.samples } });
  }
  if (o.json) process.stdout.write(JSON.stringify(result) + "\n");
  else {
    process.stdout.write(`export: ${net.name} -> ${o.out} (ONNX, ${model.length} bytes, integer graph)\n`);
    const c = result.check as (Awaited<ReturnType<typeof checkWithOnnxRuntime>> & { source: string; accuracy: number | null }) | undefined;
    if (c)
      process.stdout.write(
        `  onnxruntime  ${c.logits - c.mismatches}/${c.logits} logits equal the reference on ${c.samples} inputs (${c.source}), ${c.mismatches} mismatches` +
          (c.accuracy !== null ? `; accuracy ${(c.accuracy * 100).toFixed(2)}%` : "") +
          ` (${c.seconds.toFixed(1)} s)\n`,
      );
  }
  if (!ok) {
    const f = (result.check as { firstMismatch: unknown }).firstMismatch;
    process.stderr.write(`error: ONNX Runtime and the reference disagree (first: ${JSON.stringify(f)})\n`);
    process.exitCode = 1;
  }
}

async function exportFloat(dir: string, format: "onnx" | "tfjs", out: string): Promise<void> {
  const { net, trainable } = loadFloatNetwork(dir);
  if (format === "onnx") {
    if (!out.endsWith(".onnx")) throw new TritforgeError(`--out must name a .onnx file, got ${out}`);
    const bytes = floatOnnx(net, "float_model");
    writeFileAtomic(out, bytes);
    process.stdout.write(`export: float model ${dir} -> ${out} (float ONNX, ${bytes.length} bytes)\n`);
  } else {
    if (existsSync(out)) throw new TritforgeError(`${out} already exists; the TF.js model is written into a new folder`);
    await initBackend("auto");
    await writeDirAtomic(out, (tmp) => saveTfjsModel(trainable, tmp));
    process.stdout.write(`export: float model ${dir} -> ${out}/model.json + weights.bin (TF.js Layers)\n`);
  }
}

runCli(main);
