/**
 * npm run train: float training, direct quantization and retraining of an FFDNN or CNN on a real
 * data set; writes the quantized network (IR) with its integer-model accuracy.
 */
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { DATASET_NAMES, isDatasetName, loadDataset } from "../data/datasets.js";
import { saveNetwork } from "../ir/io.js";
import { archId, describeArch, paramShapes, withData } from "../train/arch.js";
import { DELTA_MODES, parseTrainFlags, TRAIN_DEFAULTS as D, type TrainFlags, type TrainSettings } from "../train/recipe.js";
import { trainModel } from "../train/train-model.js";
import { checkModelDir } from "../train/store.js";
import { BACKEND_PREFERENCES, initBackend } from "../tf/backend.js";
import { runCli } from "../util/cli.js";
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
  deltaMode: string;
  patience: string;
  json: boolean;
  keepDirect: boolean;
  progress: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  const program = new Command("train")
    .description("Train a float FFDNN or CNN, quantize it directly (L2-optimal step) and retrain it with quantized weights and signals; write the integer IR with its recipe.")
    .requiredOption("--dataset <name>", `data set: ${DATASET_NAMES.join(" or ")}, or a folder of IDX / .npy files (train-images, train-labels, test-images, test-labels; docs/interop.md)`)
    .option("--hidden <widths>", "FFDNN hidden layers: WIDTHxDEPTH (1024x3) or a list (512,256)")
    .option("--conv <maps>", "CNN feature maps of the 3x3 conv layers, each followed by 2x2 max-pooling (16,16,32)")
    .option("--dense <widths>", "CNN hidden dense layers after the convolutions (default none)", D.dense)
    .option("--levels <M>", "weight levels: 3 = ternary, 7 = 3-bit, 15 = 4-bit (any odd M)", D.levels)
    .option("--signal-bits <B>", "bits of every hidden signal", D["signal-bits"])
    .option("--epochs <n>", "float training epochs", D.epochs)
    .option("--retrain-epochs <n>", "retraining epochs with quantized weights (0: direct quantization only)", D["retrain-epochs"])
    .requiredOption("--out <file>", "output IR file (the retrained network, or the direct one with --retrain-epochs 0)")
    .option("--name <id>", "network name in the IR (default from the file name)")
    .option("--seed <n>", "seed of initialisation and shuffling", D.seed)
    .addOption(new Option("--backend <name>", "TF.js backend (the recipe records the one that ran)").choices([...BACKEND_PREFERENCES]).default(D.backend))
    .option("--batch-size <n>", "minibatch size", D["batch-size"])
    .option("--lr <rate>", "float learning rate (Adam, cosine schedule)", D.lr)
    .option("--retrain-lr <rate>", "retraining learning rate", D["retrain-lr"])
    .option("--train-limit <n>", "use only the first N training images")
    .option("--model-dir <dir>", "float model folder (reused when finished, resumed when not)")
    .addOption(new Option("--delta-mode <mode>", "quantization steps during retraining: fixed after direct quantization, or re-estimated every epoch").choices([...DELTA_MODES]).default(D["delta-mode"]))
    .option("--patience <n>", "early stopping: epochs without a better validation accuracy", D.patience)
    .option("--keep-direct", "export the direct weights instead of the retrained ones when they score better on the validation split", false)
    .option("--json", "print a machine-readable summary", false)
    .option("--no-progress", "no progress bar")
    .exitOverride();
  program.parse();
  const o = program.opts<Flags>();
  const given: TrainFlags = {
    dataset: o.dataset,
    hidden: o.hidden,
    conv: o.conv,
    dense: o.dense,
    levels: o.levels,
    "signal-bits": o.signalBits,
    epochs: o.epochs,
    "retrain-epochs": o.retrainEpochs,
    lr: o.lr,
    "retrain-lr": o.retrainLr,
    "batch-size": o.batchSize,
    patience: o.patience,
    "delta-mode": o.deltaMode,
    "keep-direct": String(o.keepDirect),
    "train-limit": o.trainLimit,
    seed: o.seed,
    backend: o.backend,
    out: o.out,
    name: o.name,
  };
  const parsed = parseTrainFlags(given);
  // A data-set folder's image shape and classes shape the network (checked and shown before training).
  const s = isDatasetName(parsed.dataset) ? parsed : withDataOf(parsed);
  const out = resolve(s.out);
  ensureWritableDir(dirname(out));
  const modelDir = o.modelDir ?? join(".cache", "models", `${s.dataset.replace(/[^A-Za-z0-9_.-]+/g, "_")}-${archId(s.arch)}-s${s.seed}${s.trainLimit ? `-n${s.trainLimit}` : ""}-e${s.epochs}`);
  checkModelDir(modelDir);
  const progress = o.progress && !o.json;
  const backendName = await initBackend(s.backend);
  if (!o.json) process.stderr.write(`train: ${describeArch(s.arch)} on ${s.dataset}, TF.js backend ${backendName}, float model in ${modelDir}\n`);
  const { network, float, quant: q, backend } = await trainModel(s, { modelDir, progress });
  saveNetwork(network, out);
  const { dataset, levels, signalBits, retrainEpochs } = s;
  const arch = s.arch;
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

function withDataOf(s: TrainSettings): TrainSettings {
  const d = loadDataset(s.dataset);
  const arch = withData(s.arch, d.shape, d.classes);
  paramShapes(arch); // throws on an architecture that does not fit the images
  return { ...s, arch };
}

runCli(main);
