/**
 * npm run train: float training, direct quantization and retraining of an FFDNN or CNN on a real
 * data set; writes the quantized network (IR) with its integer-model accuracy.
 */
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { DATASET_NAMES, datasetSpec, isDatasetName } from "../data/datasets.js";
import { saveNetwork } from "../ir/io.js";
import { archId, describeArch, paramShapes, parseConv, parseDense, parseHidden, type Architecture } from "../train/arch.js";
import { quantizeAndRetrain, trainFloat } from "../train/api.js";
import { BACKEND_PREFERENCES, initBackend } from "../tf/backend.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { ensureWritableDir } from "../util/fs.js";

interface Flags {
  dataset: string;
  hidden?: string;
  conv?: string;
  dense: string;
  levels: string;
  signalBits: string;
  epochs: string;
  retrainEpochs: string;
  out: string;
  name?: string;
  seed: string;
  backend: string;
  batchSize: string;
  lr: string;
  retrainLr: string;
  trainLimit?: string;
  modelDir?: string;
  deltaMode: "fixed" | "reestimate";
  patience: string;
  json: boolean;
  keepDirect: boolean;
  progress: boolean;
}

function parseRate(flag: string, v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new TritforgeError(`${flag} must be a number in (0, 1), got "${v}"`);
  return n;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  const program = new Command("train")
    .description("Train a float FFDNN or CNN, quantize it directly (L2-optimal step) and retrain it with quantized weights and signals; write the integer IR.")
    .requiredOption("--dataset <name>", `data set: ${DATASET_NAMES.join(" or ")}, or a folder of IDX / .npy files (train-images, train-labels, test-images, test-labels; docs/interop.md)`)
    .option("--hidden <widths>", "FFDNN hidden layers: WIDTHxDEPTH (1024x3) or a list (512,256)")
    .option("--conv <maps>", "CNN feature maps of the 3x3 conv layers, each followed by 2x2 max-pooling (16,16,32)")
    .option("--dense <widths>", "CNN hidden dense layers after the convolutions (default none)", "")
    .option("--levels <M>", "weight levels: 3 = ternary, 7 = 3-bit, 15 = 4-bit (any odd M)", "3")
    .option("--signal-bits <B>", "bits of every hidden signal", "8")
    .option("--epochs <n>", "float training epochs", "10")
    .option("--retrain-epochs <n>", "retraining epochs with quantized weights (0: direct quantization only)", "5")
    .requiredOption("--out <file>", "output IR file (the retrained network, or the direct one with --retrain-epochs 0)")
    .option("--name <id>", "network name in the IR (default from the file name)")
    .option("--seed <n>", "seed of initialisation and shuffling", "1")
    .addOption(new Option("--backend <name>", "TF.js backend").choices([...BACKEND_PREFERENCES]).default("auto"))
    .option("--batch-size <n>", "minibatch size", "128")
    .option("--lr <rate>", "float learning rate (Adam, cosine schedule)", "0.001")
    .option("--retrain-lr <rate>", "retraining learning rate", "0.0002")
    .option("--train-limit <n>", "use only the first N training images")
    .option("--model-dir <dir>", "float model folder (reused when finished, resumed when not)")
    .addOption(new Option("--delta-mode <mode>", "quantization steps during retraining: fixed after direct quantization, or re-estimated every epoch").choices(["fixed", "reestimate"]).default("fixed"))
    .option("--patience <n>", "early stopping: epochs without a better validation accuracy", "4")
    .option("--keep-direct", "export the direct weights instead of the retrained ones when they score better on the validation split", false)
    .option("--json", "print a machine-readable summary", false)
    .option("--no-progress", "no progress bar")
    .exitOverride();
  program.parse();
  const o = program.opts<Flags>();
  const dataset = datasetSpec(o.dataset);
  if (!o.hidden === !o.conv) throw new TritforgeError("give exactly one of --hidden (FFDNN) or --conv (CNN)");
  const arch: Architecture = o.hidden ? { kind: "ffdnn", hidden: parseHidden(o.hidden) } : { kind: "cnn", conv: parseConv(o.conv!), dense: parseDense(o.dense) };
  if (isDatasetName(dataset)) paramShapes(arch); // throws on an architecture that does not fit 28x28 images (a folder's shape is checked when it is read)
  const levels = parseIntFlag("--levels", o.levels, 3, 255);
  if (levels % 2 === 0) throw new TritforgeError(`--levels must be odd (symmetric levels -K..K), got ${levels}`);
  const signalBits = parseIntFlag("--signal-bits", o.signalBits, 1, 16);
  const epochs = parseIntFlag("--epochs", o.epochs, 1, 10000);
  const retrainEpochs = parseIntFlag("--retrain-epochs", o.retrainEpochs, 0, 10000);
  const seed = parseIntFlag("--seed", o.seed, 0);
  const batchSize = parseIntFlag("--batch-size", o.batchSize, 1, 65536);
  const patience = parseIntFlag("--patience", o.patience, 0, 10000);
  const trainLimit = o.trainLimit === undefined ? undefined : parseIntFlag("--train-limit", o.trainLimit, 24, 60000);
  const lr = parseRate("--lr", o.lr);
  const retrainLr = parseRate("--retrain-lr", o.retrainLr);
  const out = resolve(o.out);
  if (!out.endsWith(".json")) throw new TritforgeError(`--out must name a .json file, got ${o.out}`);
  ensureWritableDir(dirname(out));
  const name = o.name ?? out.replace(/^.*\//, "").replace(/\.json$/, "").replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z])/, "n$1");
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new TritforgeError(`--name must be an identifier, got "${name}"`);
  const modelDir = o.modelDir ?? join(".cache", "models", `${dataset.replace(/[^A-Za-z0-9_.-]+/g, "_")}-${archId(arch)}-s${seed}${trainLimit ? `-n${trainLimit}` : ""}-e${epochs}`);
  const backend = await initBackend(o.backend);
  const progress = o.progress && !o.json;
  if (!o.json) process.stderr.write(`train: ${describeArch(arch)} on ${dataset}, TF.js backend ${backend}, float model in ${modelDir}\n`);

  const float = await trainFloat({ dataset, arch, seed, epochs, batchSize, learningRate: lr, trainLimit, modelDir, backend: o.backend, progress, patience });
  const q = await quantizeAndRetrain({ modelDir, levels, signalBits, retrainEpochs, seed, name, learningRate: retrainLr, trainLimit, backend: o.backend, progress, deltaMode: o.deltaMode, batchSize, keepDirect: o.keepDirect });
  const chosen = q.retrained ?? q.direct;
  saveNetwork(chosen.network, out);
  const summary = {
    dataset,
    arch: describeArch(arch),
    parameters: float.parameters,
    levels,
    signalBits,
    float: float.testAccuracy,
    direct: q.direct.testAccuracy,
    retrained: q.retrained?.testAccuracy ?? null,
    directFakeQuant: q.direct.fakeQuantAccuracy,
    retrainedFakeQuant: q.retrained?.fakeQuantAccuracy ?? null,
    selection: q.selection,
    out: o.out,
    modelDir,
    backend,
    floatSamplesPerSecond: Math.round(float.samplesPerSecond),
    seconds: Math.round(float.seconds + q.seconds),
  };
  if (o.json) process.stdout.write(JSON.stringify(summary) + "\n");
  else
    process.stdout.write(
      [
        `train: ${summary.arch} on ${dataset} (${float.parameters.toLocaleString("en-US")} parameters), backend ${backend}`,
        `  float                 ${pct(float.testAccuracy)} test accuracy (TF.js float)`,
        `  direct   M=${levels}, B=${signalBits}  ${pct(q.direct.testAccuracy)} (integer model; fake-quantized TF.js ${pct(q.direct.fakeQuantAccuracy)})`,
        q.retrained ? `  retrained ${retrainEpochs} epochs    ${pct(q.retrained.testAccuracy)} (integer model; fake-quantized TF.js ${pct(q.retrained.fakeQuantAccuracy)})` : `  retrained             skipped (--retrain-epochs 0)`,
        ...(q.selection
          ? [`  kept                  ${q.selection.chosen} weights (validation: direct ${pct(q.selection.validation.direct)}, retrained ${pct(q.selection.validation.retrained)})`]
          : []),
        `  wrote                 ${o.out}`,
      ].join("\n") + "\n",
    );
}

runCli(main);
