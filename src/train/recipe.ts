/**
 * The training recipe: every `npm run train` flag that decides the result, parsed and checked
 * (`parseTrainFlags`, shared by the CLI and `npm run reproduce`), written back in canonical form
 * (`canonicalTrainFlags`, what a model's `provenance.recipe.flags` holds) and rendered as the
 * command a reader can paste (`trainCommand`).
 */
import { datasetSpec, isDatasetName } from "../data/datasets.js";
import { datasetIssue, NAME_MAX, networkNameIssue } from "../ir/schema.js";
import { parseIntFlag } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { paramShapes, parseConv, parseDense, parseHidden, type Architecture } from "./arch.js";

export type DeltaMode = "fixed" | "reestimate";
export const DELTA_MODES: readonly DeltaMode[] = ["fixed", "reestimate"];

export interface TrainSettings {
  /** A built-in data set name or a folder of IDX / .npy files. */
  dataset: string;
  arch: Architecture;
  levels: number;
  signalBits: number;
  epochs: number;
  retrainEpochs: number;
  lr: number;
  retrainLr: number;
  batchSize: number;
  patience: number;
  deltaMode: DeltaMode;
  /** Export the direct weights when they beat the retrained ones on validation (src/train/api.ts). */
  keepDirect: boolean;
  trainLimit?: number;
  seed: number;
  backend: string;
  /** The output file as given (recorded; a reproduction writes elsewhere). */
  out: string;
  name: string;
}

/** Flag values as strings by flag name without "--" (what commander gives and what a recipe records). */
export type TrainFlags = Partial<Record<TrainFlagName, string>>;

/** Canonical order of the recorded flags. */
export const TRAIN_FLAG_NAMES = [
  "dataset",
  "hidden",
  "conv",
  "dense",
  "levels",
  "signal-bits",
  "epochs",
  "retrain-epochs",
  "lr",
  "retrain-lr",
  "batch-size",
  "patience",
  "delta-mode",
  "keep-direct",
  "train-limit",
  "seed",
  "backend",
  "out",
  "name",
] as const;
export type TrainFlagName = (typeof TRAIN_FLAG_NAMES)[number];

/** CLI defaults (the one source for `npm run train` and for deciding which flags a printed command may leave out). */
export const TRAIN_DEFAULTS = {
  dense: "",
  levels: "3",
  "signal-bits": "8",
  epochs: "10",
  "retrain-epochs": "5",
  lr: "0.001",
  "retrain-lr": "0.0002",
  "batch-size": "128",
  patience: "4",
  "delta-mode": "fixed",
  "keep-direct": "false",
  seed: "1",
  backend: "auto",
} as const satisfies TrainFlags;

/** Switches: recorded as "true"/"false", printed as the bare flag when true. */
const SWITCHES: ReadonlySet<TrainFlagName> = new Set(["keep-direct"]);

/** Flags a printed command always shows, default or not, so the command says what it trains. */
const ALWAYS_SHOWN: ReadonlySet<TrainFlagName> = new Set(["dataset", "hidden", "conv", "dense", "levels", "signal-bits", "epochs", "retrain-epochs", "out", "name"]);

function parseRate(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !(n > 0 && n < 1)) throw new TritforgeError(`${flag} must be a number in (0, 1), got "${v}"`);
  return n;
}

/** The IR name a file name gives when --name is absent: "models/mnist-ternary-32.json" -> "mnist_ternary_32". */
export function defaultName(out: string): string {
  return out
    .replace(/^.*\//, "")
    .replace(/\.json$/, "")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^([^A-Za-z])/, "n$1")
    .slice(0, NAME_MAX);
}

/** Parses and checks training flags (defaults filled in); one-line errors naming the flag. */
export function parseTrainFlags(given: TrainFlags): TrainSettings {
  const f = { ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as TrainFlags & Record<keyof typeof TRAIN_DEFAULTS, string>;
  if (f.dataset === undefined) throw new TritforgeError("--dataset is required");
  if (f.out === undefined) throw new TritforgeError("--out is required");
  const dataset = datasetSpec(f.dataset);
  const datasetProblem = datasetIssue(dataset);
  if (datasetProblem) throw new TritforgeError(`--dataset ${datasetProblem}`);
  if ((f.hidden === undefined) === (f.conv === undefined)) throw new TritforgeError("give exactly one of --hidden (FFDNN) or --conv (CNN)");
  const arch: Architecture = f.hidden !== undefined ? { kind: "ffdnn", hidden: parseHidden(f.hidden) } : { kind: "cnn", conv: parseConv(f.conv!), dense: parseDense(f.dense) };
  if (isDatasetName(dataset)) paramShapes(arch); // throws on an architecture that does not fit 28x28 images (a folder's shape is checked when it is read)
  const levels = parseIntFlag("--levels", f.levels, 3, 255);
  if (levels % 2 === 0) throw new TritforgeError(`--levels must be odd (symmetric levels -K..K), got ${levels}`);
  if (!(DELTA_MODES as readonly string[]).includes(f["delta-mode"])) throw new TritforgeError(`--delta-mode must be one of ${DELTA_MODES.join(", ")}, got "${f["delta-mode"]}"`);
  if (f["keep-direct"] !== "true" && f["keep-direct"] !== "false") throw new TritforgeError(`keep-direct must be true or false, got "${f["keep-direct"]}"`);
  if (!f.out.endsWith(".json")) throw new TritforgeError(`--out must name a .json file, got ${f.out}`);
  const name = f.name ?? defaultName(f.out);
  const nameIssue = networkNameIssue(name);
  if (nameIssue) throw new TritforgeError(`--name ${nameIssue}`);
  return {
    dataset,
    arch,
    levels,
    signalBits: parseIntFlag("--signal-bits", f["signal-bits"], 1, 16),
    epochs: parseIntFlag("--epochs", f.epochs, 1, 10000),
    retrainEpochs: parseIntFlag("--retrain-epochs", f["retrain-epochs"], 0, 10000),
    lr: parseRate("--lr", f.lr),
    retrainLr: parseRate("--retrain-lr", f["retrain-lr"]),
    batchSize: parseIntFlag("--batch-size", f["batch-size"], 1, 65536),
    patience: parseIntFlag("--patience", f.patience, 0, 10000),
    deltaMode: f["delta-mode"] as DeltaMode,
    keepDirect: f["keep-direct"] === "true",
    trainLimit: f["train-limit"] === undefined ? undefined : parseIntFlag("--train-limit", f["train-limit"], 24, 60000),
    seed: parseIntFlag("--seed", f.seed, 0),
    backend: f.backend,
    out: f.out,
    name,
  };
}

const widthList = (w: number[]): string => (w.length > 1 && w.every((x) => x === w[0]) ? `${w[0]}x${w.length}` : w.join(","));

/** Every result-deciding flag of the settings, canonical, in TRAIN_FLAG_NAMES order (parseTrainFlags of it gives the settings back). */
export function canonicalTrainFlags(s: TrainSettings): Record<string, string> {
  const f: TrainFlags = {
    dataset: s.dataset,
    ...(s.arch.kind === "ffdnn" ? { hidden: widthList(s.arch.hidden) } : { conv: s.arch.conv.join(","), dense: s.arch.dense.join(",") }),
    levels: String(s.levels),
    "signal-bits": String(s.signalBits),
    epochs: String(s.epochs),
    "retrain-epochs": String(s.retrainEpochs),
    lr: String(s.lr),
    "retrain-lr": String(s.retrainLr),
    "batch-size": String(s.batchSize),
    patience: String(s.patience),
    "delta-mode": s.deltaMode,
    "keep-direct": String(s.keepDirect),
    ...(s.trainLimit === undefined ? {} : { "train-limit": String(s.trainLimit) }),
    seed: String(s.seed),
    backend: s.backend,
    out: s.out,
    name: s.name,
  };
  return Object.fromEntries(TRAIN_FLAG_NAMES.filter((k) => f[k] !== undefined).map((k) => [k, f[k]!]));
}

const shellWord = (v: string): string => (/^[A-Za-z0-9_.,/:=+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/**
 * The `npm run train` command of recorded flags: the flags that say what is trained, and every
 * other flag whose value is not today's default (so the command makes the same model today).
 */
export function trainCommand(recorded: Record<string, string>): string {
  const flags = recordedTrainFlags(recorded);
  const defaults: TrainFlags = TRAIN_DEFAULTS;
  const shown = TRAIN_FLAG_NAMES.filter((k) => {
    const v = flags[k];
    return v !== undefined && (v !== defaults[k] || (ALWAYS_SHOWN.has(k) && v !== ""));
  });
  return ["npm run train --", ...shown.flatMap((k) => (SWITCHES.has(k) ? [`--${k}`] : [`--${k}`, shellWord(flags[k]!)]))].join(" ");
}

/** The recorded flags as TrainFlags, refusing names the train command does not know. */
export function recordedTrainFlags(flags: Record<string, string>): TrainFlags {
  const unknown = Object.keys(flags).filter((k) => !(TRAIN_FLAG_NAMES as readonly string[]).includes(k));
  if (unknown.length) throw new TritforgeError(`recipe has unknown train flags: ${unknown.map((k) => `--${k}`).join(", ")}`);
  return flags as TrainFlags;
}
