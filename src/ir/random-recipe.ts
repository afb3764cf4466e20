/**
 * The recipe of `npm run make-random-model`: its flags parsed and checked, in canonical form, as a
 * command, and the network they make with the recipe recorded, so shipped random models are
 * reproduced like trained ones (`npm run reproduce`).
 */
import { parseIntFlag } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { randomDenseNetwork } from "./random.js";
import { networkNameIssue, type Network, type Recipe } from "./schema.js";

export interface RandomSettings {
  sizes: number[];
  levels: number;
  seed: number;
  name: string;
  /** The output file as given (recorded). */
  out: string;
}

export const RANDOM_FLAG_NAMES = ["sizes", "levels", "seed", "out", "name"] as const;
export type RandomFlagName = (typeof RANDOM_FLAG_NAMES)[number];
export type RandomFlags = Partial<Record<RandomFlagName, string>>;
export const RANDOM_DEFAULTS = { name: "random_net", levels: "3", seed: "1" } as const satisfies RandomFlags;

export function parseRandomFlags(given: Record<string, string | undefined>): RandomSettings {
  const unknown = Object.keys(given).filter((k) => !(RANDOM_FLAG_NAMES as readonly string[]).includes(k));
  if (unknown.length) throw new TritforgeError(`recipe has unknown make-random-model flags: ${unknown.map((k) => `--${k}`).join(", ")}`);
  const f = { ...RANDOM_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as RandomFlags & Record<keyof typeof RANDOM_DEFAULTS, string>;
  if (f.sizes === undefined) throw new TritforgeError("--sizes is required");
  if (f.out === undefined) throw new TritforgeError("--out is required");
  const sizes = f.sizes.split(",").map((s) => parseIntFlag("--sizes", s, 1, 1 << 20));
  if (sizes.length < 2) throw new TritforgeError("--sizes needs at least an input and an output width");
  const nameIssue = networkNameIssue(f.name);
  if (nameIssue) throw new TritforgeError(`--name ${nameIssue}`);
  return { sizes, levels: parseIntFlag("--levels", f.levels, 3, 255), seed: parseIntFlag("--seed", f.seed, 0), name: f.name, out: f.out };
}

export function canonicalRandomFlags(s: RandomSettings): Record<string, string> {
  return { sizes: s.sizes.join(","), levels: String(s.levels), seed: String(s.seed), out: s.out, name: s.name };
}

/** The `npm run make-random-model` command of recorded flags (every flag: they are few). */
export function randomCommand(flags: Record<string, string>): string {
  const s = parseRandomFlags(flags);
  return ["npm run make-random-model --", ...Object.entries(canonicalRandomFlags(s)).flatMap(([k, v]) => [`--${k}`, v])].join(" ");
}

/** The random network of the settings with its recipe (`environment` says where and when it is made). */
export function randomModel(s: RandomSettings, environment: Recipe["environment"]): Network {
  const net = randomDenseNetwork({ name: s.name, seed: s.seed, sizes: s.sizes, levels: s.levels });
  const recipe: Recipe = { command: "make-random-model", flags: canonicalRandomFlags(s), environment };
  return { ...net, provenance: { ...net.provenance, recipe } };
}
