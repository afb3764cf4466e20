/**
 * The training interface the sweep drives. It mirrors src/train/api.ts structurally, so the sweep can
 * run with the real trainer or with a stand-in injected by tests (a module with the same exports).
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
// Type-only imports: the sweep loads the trainer's modules only through loadTrainer.
import type { DatasetName } from "../data/datasets.js";
import type { Network } from "../ir/schema.js";
import type { Architecture } from "../train/arch.js";
import { TritforgeError } from "../util/errors.js";

export type { Architecture, DatasetName };

export interface FloatTrainOptions {
  dataset: DatasetName;
  arch: Architecture;
  seed: number;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  trainLimit?: number;
  modelDir: string;
  backend?: string;
  progress?: boolean;
}
export interface FloatResult {
  modelDir: string;
  testAccuracy: number;
  parameters: number;
  weightCount: number;
  epochs: number;
  seconds: number;
  backend: string;
}
export interface QuantOptions {
  modelDir: string;
  levels: number;
  signalBits: number;
  retrainEpochs: number;
  seed: number;
  name: string;
  learningRate?: number;
  trainLimit?: number;
  backend?: string;
  progress?: boolean;
  keepDirect?: boolean;
}
export interface Selection {
  chosen: "direct" | "retrained";
  validation: { direct: number; retrained: number };
  rejectedTestAccuracy: number;
}
export interface QuantResult {
  direct: { network: Network; testAccuracy: number };
  retrained: { network: Network; testAccuracy: number } | null;
  /** Present when keepDirect was asked for and retraining ran. */
  selection?: Selection | null;
  seconds: number;
  backend: string;
}
export interface Trainer {
  trainFloat(o: FloatTrainOptions): Promise<FloatResult>;
  quantizeAndRetrain(o: QuantOptions): Promise<QuantResult>;
}

/** The real trainer's module, relative to the repository root. */
export const DEFAULT_TRAINER_MODULE = "src/train/api.ts";

/** Loads a module exporting trainFloat and quantizeAndRetrain (the real trainer or a test stand-in). */
export async function loadTrainer(modulePath: string = DEFAULT_TRAINER_MODULE): Promise<Trainer> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new TritforgeError(`cannot load the trainer ${modulePath}: ${(err as Error).message.split("\n")[0]}`);
  }
  const { trainFloat, quantizeAndRetrain } = mod;
  if (typeof trainFloat !== "function" || typeof quantizeAndRetrain !== "function")
    throw new TritforgeError(`${modulePath} does not export trainFloat and quantizeAndRetrain`);
  return {
    trainFloat: trainFloat as Trainer["trainFloat"],
    quantizeAndRetrain: quantizeAndRetrain as Trainer["quantizeAndRetrain"],
  };
}

/** Compile-time check that the real trainer (src/train/api.ts) fits this interface: tsc fails if it drifts. */
type RealTrainerFits = typeof import("../train/api.js") extends Trainer ? true : never;
export const REAL_TRAINER_FITS: RealTrainerFits = true;
