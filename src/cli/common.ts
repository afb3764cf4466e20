/** Small helpers shared by the command-line tools. */
import { existsSync } from "node:fs";
import type { Network } from "../ir/schema.js";

/** The trained default model when it is there, else the seeded random (untrained) stand-in. */
export const TRAINED_DEFAULT_MODEL = "models/fashion-ternary-256x3.json";
export const RANDOM_DEFAULT_MODEL = "models/random-ternary-784-128-128-10.json";
export const DEFAULT_MODEL = existsSync(TRAINED_DEFAULT_MODEL) ? TRAINED_DEFAULT_MODEL : RANDOM_DEFAULT_MODEL;

export function describeModel(net: Network): string {
  const p = net.provenance;
  if (p.untrained) return `${net.name} (UNTRAINED: ${p.source}${p.seed !== undefined ? `, seed ${p.seed}` : ""})`;
  const acc = p.accuracy ? `, integer-model accuracy ${(p.accuracy.value * 100).toFixed(2)}% on ${p.accuracy.samples} ${p.accuracy.split} samples` : "";
  return `${net.name} (${p.source}${p.dataset ? ` on ${p.dataset}` : ""}${acc})`;
}

export function formatBits(bits: number): string {
  if (bits < 8192) return `${bits} bits`;
  const kib = bits / 8 / 1024;
  return `${bits} bits (${kib < 1024 ? `${kib.toFixed(1)} KiB` : `${(kib / 1024).toFixed(2)} MiB`})`;
}
