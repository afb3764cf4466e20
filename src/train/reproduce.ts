/**
 * Reproducing a model from the recipe in its provenance: the recorded command runs again with the
 * recorded flags (training into a scratch float folder), and the result is compared with the file
 * byte for byte, the recipe's environment aside (src/ir/diff.ts).
 */
import { join } from "node:path";
import { contentDigest, diffNetworks, fileJson, type NetworkDiff } from "../ir/diff.js";
import { saveNetwork } from "../ir/io.js";
import { parseRandomFlags, randomModel } from "../ir/random-recipe.js";
import type { Network, Recipe } from "../ir/schema.js";
import { TritforgeError } from "../util/errors.js";
import { toolEnvironment } from "../util/environment.js";
import { parseTrainFlags, recordedTrainFlags } from "./recipe.js";
import { trainModel } from "./train-model.js";

export interface Reproduction {
  reproduced: Network;
  diff: NetworkDiff;
  /** contentDigest of the reproduction (equal to the recorded file's when identical). */
  digest: string;
  /** Where the environment here differs from the recorded one ("node v20.1.0, recorded v20.20.2"). */
  environment: string[];
  seconds: number;
}

export interface ReproduceOptions {
  /** Scratch folder (float model folder, reproduced IR); must be new or empty. */
  workDir: string;
  progress?: boolean;
}

/** The network's recipe, or a one-line error naming the file. */
export function recipeOf(net: Network, source: string): Recipe {
  const recipe = net.provenance.recipe;
  if (!recipe) throw new TritforgeError(`${source} records no recipe (provenance.recipe): it was made before recipes were recorded; retrain it with npm run train to give it one`);
  return recipe;
}

/** What differs between the recorded environment and this one, one phrase each. */
export function environmentChanges(recorded: Recipe["environment"], here: Recipe["environment"]): string[] {
  const out: string[] = [];
  const cmp = (what: string, a: string | null | undefined, b: string | null | undefined) => {
    if (a !== b) out.push(`${what} ${b ?? "absent"} here, recorded ${a ?? "absent"}`);
  };
  cmp("node", recorded.node, here.node);
  cmp("v8", recorded.v8, here.v8);
  cmp("platform", recorded.platform, here.platform);
  cmp("backend", recorded.backend, here.backend);
  for (const p of new Set([...Object.keys(recorded.packages), ...Object.keys(here.packages)])) cmp(p, recorded.packages[p], here.packages[p]);
  for (const d of new Set([...Object.keys(recorded.data ?? {}), ...Object.keys(here.data ?? {})])) cmp(`data set ${d}`, recorded.data?.[d], here.data?.[d]);
  return out;
}

/** Makes `recorded` (a validated network and its file as parsed JSON) again from its recipe and compares. */
export async function reproduceNetwork(recorded: { network: Network; json: unknown }, source: string, o: ReproduceOptions): Promise<Reproduction> {
  const recipe = recipeOf(recorded.network, source);
  const t0 = performance.now();
  let reproduced: Network;
  if (recipe.command === "train") {
    const settings = parseTrainFlags(recordedTrainFlags(recipe.flags));
    reproduced = (await trainModel(settings, { modelDir: join(o.workDir, "float"), progress: o.progress })).network;
  } else {
    reproduced = randomModel(parseRandomFlags(recipe.flags), { ...toolEnvironment(), createdAt: new Date().toISOString() });
  }
  const seconds = (performance.now() - t0) / 1000;
  saveNetwork(reproduced, join(o.workDir, "reproduced.json"));
  const json = fileJson(reproduced);
  const made = reproduced.provenance.recipe!.environment;
  return { reproduced, diff: diffNetworks(recorded.json, json), digest: contentDigest(json), environment: environmentChanges(recipe.environment, made), seconds };
}
