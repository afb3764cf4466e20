/**
 * Reads a hardware bundle's manifest.json ("tritforge-hw" v1, written by gen-rtl). Only the fields
 * the cost model needs are checked; unknown extra fields are allowed and kept.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";

const int = z.number().int().nonnegative();
const pos = z.number().int().positive();

const layerSchema = z.looseObject({
  name: z.string(),
  inFeatures: pos,
  outFeatures: pos,
  levels: pos,
  weightBits: pos,
  groups: pos,
  weightRomDepth: pos,
  weightRomWidth: pos,
  weightRomBits: int,
  biasRomDepth: pos,
  biasRomWidth: pos,
  biasRomBits: int,
  accBits: pos,
  outBits: pos,
  requant: z.looseObject({ multiplier: pos, shift: int, csdTerms: int }).nullable().optional(),
});

export const hwManifestSchema = z.looseObject({
  format: z.literal("tritforge-hw"),
  version: z.literal(1),
  name: z.string().min(1),
  top: z.string().min(1),
  lanes: pos,
  rtl: z.array(z.string()).min(1),
  mem: z.array(z.string()),
  input: z.looseObject({ features: pos, bits: pos }),
  classes: pos.optional(),
  layers: z.array(layerSchema).min(1),
  accBits: pos,
  actBits: pos.optional(),
  logitBits: pos.optional(),
  activationBuffers: z.array(z.looseObject({ name: z.string(), depth: pos, width: pos, bits: int })),
  romBits: int,
  biasRomBits: int,
  activationBufferBits: int,
  cyclesPerInference: pos,
});

export type HwManifest = z.infer<typeof hwManifestSchema>;
export type HwLayer = HwManifest["layers"][number];

/** Validates a parsed manifest object; `where` names it in error messages. */
export function parseManifest(value: unknown, where: string): HwManifest {
  const r = hwManifestSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    throw new TritforgeError(`${where}: ${path ? `${path}: ` : ""}${issue.message}`);
  }
  return r.data;
}

/** Loads `<bundleDir>/manifest.json`, with one-line errors for a missing or malformed file. */
export function loadManifest(bundleDir: string): HwManifest {
  const file = join(bundleDir, "manifest.json");
  if (!existsSync(file)) throw new TritforgeError(`${bundleDir} is not a hardware bundle: ${file} not found (generate one with npm run gen-rtl)`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new TritforgeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseManifest(value, file);
}
