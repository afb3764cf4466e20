/**
 * npm run import -- --onnx model.onnx | --tfjs model.json --dataset D --out model.json: a float
 * network from ONNX or the TF.js Layers format becomes a tritforge float model, then the same
 * direct quantization, optional retraining and IR export as `npm run train`.
 */
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { datasetSpec } from "../data/datasets.js";
import { saveNetwork } from "../ir/io.js";
import { saveImported } from "../import/float-model.js";
import { readOnnxFile } from "../import/onnx.js";
import { readTfjsModel } from "../import/tfjs.js";
import { quantizeAndRetrain } from "../train/api.js";
import { describeArch } from "../train/arch.js";
import { BACKEND_PREFERENCES, initBackend } from "../tf/backend.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { ensureWritableDir } from "../util/fs.js";

interface Flags {
  onnx?: string;
  tfjs?: string;
  dataset: string;
  out: string;
  name?: string;
  levels: string;
  signalBits: string;
  retrainEpochs: string;
  seed: string;
  modelDir?: string;
  backend: string;
  json: boolean;
  progress: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  const program = new Command("import")
    .description("Import a float network (ONNX or TF.js Layers), quantize it directly (L2-optimal step), optionally retrain it, and write the integer IR.")
    .option("--onnx <file>", "float ONNX model: Gemm/MatMul+Add, Relu, Conv, MaxPool, Flatten/Reshape")
    .option("--tfjs <file>", "TF.js Layers model.json: Dense, Conv2D, MaxPooling2D, Flatten, ReLU")
    .requiredOption("--dataset <name>", "data set for calibration, accuracy and retraining: a built-in name or a folder of IDX / .npy files")
    .requiredOption("--out <file>", "output IR file")
    .option("--name <id>", "network name in the IR (default from the file name)")
    .option("--levels <M>", "weight levels (odd)", "3")
    .option("--signal-bits <B>", "bits of every hidden signal", "8")
    .option("--retrain-epochs <n>", "retraining epochs with quantized weights (0: direct quantization only)", "0")
    .option("--seed <n>", "seed of retraining", "1")
    .option("--model-dir <dir>", "where the imported float model is kept (default .cache/models/import-<name>)")
    .addOption(new Option("--backend <name>", "TF.js backend").choices([...BACKEND_PREFERENCES]).default("auto"))
    .option("--json", "print a machine-readable summary", false)
    .option("--no-progress", "no progress bar")
    .exitOverride()
    .allowExcessArguments(false);
  program.parse();
  const o = program.opts<Flags>();
  if (!o.onnx === !o.tfjs) throw new TritforgeError("give exactly one of --onnx FILE or --tfjs FILE");
  const dataset = datasetSpec(o.dataset);
  const levels = parseIntFlag("--levels", o.levels, 3, 255);
  if (levels % 2 === 0) throw new TritforgeError(`--levels must be odd (symmetric levels -K..K), got ${levels}`);
  const signalBits = parseIntFlag("--signal-bits", o.signalBits, 1, 16);
  const retrainEpochs = parseIntFlag("--retrain-epochs", o.retrainEpochs, 0, 10000);
  const seed = parseIntFlag("--seed", o.seed, 0);
  const out = resolve(o.out);
  if (!out.endsWith(".json")) throw new TritforgeError(`--out must name a .json file, got ${o.out}`);
  ensureWritableDir(dirname(out));
  const name = o.name ?? out.replace(/^.*\//, "").replace(/\.json$/, "").replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z])/, "n$1");
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new TritforgeError(`--name must be an identifier, got "${name}"`);
  const source = (o.onnx ?? o.tfjs)!;
  const backend = await initBackend(o.backend);
  const net = o.onnx ? readOnnxFile(o.onnx) : await readTfjsModel(o.tfjs!);
  const modelDir = o.modelDir ?? join(".cache", "models", `import-${name}`);
  const imported = await saveImported(net, source, dataset, modelDir, seed, o.backend);
  const progress = o.progress && !o.json;
  const q = await quantizeAndRetrain({ modelDir, levels, signalBits, retrainEpochs, seed, name, backend: o.backend, progress });
  const chosen = q.retrained ?? q.direct;
  saveNetwork({ ...chosen.network, provenance: { ...chosen.network.provenance, tool: "tritforge import", notes: `imported from ${source}` } }, out);
  const summary = {
    source,
    dataset,
    arch: describeArch(imported.trainable.arch),
    backend,
    float: imported.floatAccuracy,
    direct: q.direct.testAccuracy,
    retrained: q.retrained?.testAccuracy ?? null,
    out: o.out,
    modelDir,
  };
  if (o.json) process.stdout.write(JSON.stringify(summary) + "\n");
  else
    process.stdout.write(
      [
        `import: ${summary.arch} from ${source}, data set ${dataset}, backend ${backend}`,
        `  float                 ${pct(summary.float)} test accuracy (TF.js float)`,
        `  direct   M=${levels}, B=${signalBits}  ${pct(q.direct.testAccuracy)} (integer model)`,
        q.retrained ? `  retrained ${retrainEpochs} epochs    ${pct(q.retrained.testAccuracy)} (integer model)` : `  retrained             skipped (--retrain-epochs 0)`,
        `  wrote                 ${o.out} (float model in ${modelDir})`,
      ].join("\n") + "\n",
    );
}

runCli(main);
