/**
 * Comparing a network file with its reproduction. What must be equal is the whole IR file, byte
 * for byte, except the recipe's `environment` (commit, date, machine, package versions: where and
 * when it was made, not what was made): `reproducibleText` is that text, `contentDigest` its
 * sha256. Both take the file's JSON as parsed (key order kept), or a network via `fileJson`. When
 * the texts differ, `diffNetworks` says where: accuracies, weights, biases, steps,
 * requantization, other fields.
 */
import { createHash } from "node:crypto";
import { irText, serializeNetwork } from "./io.js";
import type { Network } from "./schema.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** A network as its saved file parses (saveNetwork writes the object's own key order). */
export const fileJson = (net: Network): unknown => JSON.parse(serializeNetwork(net));

/** The file text without `provenance.recipe.environment`. */
export function reproducibleText(file: unknown): string {
  const value = file as JsonObject;
  const provenance = value.provenance;
  const recipe = isObject(provenance) ? provenance.recipe : undefined;
  if (!isObject(provenance) || !isObject(recipe)) return irText(value);
  const { environment: _made, ...rest } = recipe;
  return irText({ ...value, provenance: { ...provenance, recipe: rest } });
}

/** sha256 of reproducibleText: the same for a network file and any exact reproduction of it. */
export function contentDigest(file: unknown): string {
  return `sha256:${createHash("sha256").update(reproducibleText(file)).digest("hex")}`;
}

export interface ValueChange {
  name: string;
  recorded: unknown;
  reproduced: unknown;
}

export interface NetworkDiff {
  identical: boolean;
  /** provenance.accuracy.value and provenance.metrics entries that differ. */
  accuracies: ValueChange[];
  weights: { differ: number; total: number };
  biases: { differ: number; total: number };
  /** Weight layers whose step Δ differs. */
  steps: number;
  /** Hidden layers whose requantization (multiplier, shift, scale) differs. */
  requant: number;
  /** Paths of any other differing fields (structure, names, flags). */
  other: string[];
}

function leafDiffs(a: Json | undefined, b: Json | undefined, path: string, out: string[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path}.length`);
      return;
    }
    a.forEach((x, i) => leafDiffs(x, b[i], `${path}[${i}]`, out));
    return;
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) leafDiffs(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(path);
}

const get = (value: Json, path: string): Json | undefined =>
  path.split(/\.|\[|\]\.?/).filter(Boolean).reduce<Json | undefined>((v, k) => (v && typeof v === "object" ? (v as Record<string, Json>)[k] : undefined), value);

/** Where two network files (as parsed JSON) differ, environment aside. */
export function diffNetworks(recorded: unknown, reproduced: unknown): NetworkDiff {
  const a = JSON.parse(reproducibleText(recorded)) as Json;
  const b = JSON.parse(reproducibleText(reproduced)) as Json;
  const paths: string[] = [];
  leafDiffs(a, b, "", paths);
  const layers = isObject(a) && Array.isArray(a.layers) ? a.layers : [];
  const count = (key: "weights" | "bias") => layers.reduce<number>((s, l) => s + (isObject(l) && Array.isArray(l[key]) ? l[key].length : 0), 0);
  const identical = reproducibleText(recorded) === reproducibleText(reproduced);
  const d: NetworkDiff = { identical, accuracies: [], weights: { differ: 0, total: count("weights") }, biases: { differ: 0, total: count("bias") }, steps: 0, requant: 0, other: [] };
  const requantLayers = new Set<string>();
  for (const p of paths) {
    const layer = /^layers\[(\d+)\]\.(weights|bias|delta|output)\b/.exec(p);
    if (layer && !p.endsWith(".length")) {
      if (layer[2] === "weights") d.weights.differ++;
      else if (layer[2] === "bias") d.biases.differ++;
      else if (layer[2] === "delta") d.steps++;
      else requantLayers.add(layer[1]!);
    } else if (/^provenance\.(accuracy\.value|metrics\.[^.]+)$/.test(p)) {
      d.accuracies.push({ name: p === "provenance.accuracy.value" ? "accuracy" : p.slice("provenance.metrics.".length), recorded: get(a, p), reproduced: get(b, p) });
    } else if (p !== "provenance.accuracy.correct") d.other.push(p);
  }
  if (!identical && paths.length === 0) d.other.push("key order");
  d.requant = requantLayers.size;
  return d;
}

const ACCURACY_NAMES = new Set(["accuracy", "float", "direct", "retrained", "fakeQuantAccuracy"]);
const show = (name: string, v: unknown): string => (typeof v === "number" && ACCURACY_NAMES.has(name) ? `${(v * 100).toFixed(2)}%` : JSON.stringify(v) ?? "absent");
const MAX_OTHER = 3;

/** One line: which accuracies and how many weights, biases, steps and requantizations differ. */
export function formatDiff(d: NetworkDiff): string {
  if (d.identical) return "identical";
  const parts: string[] = [];
  if (d.accuracies.length) parts.push(`accuracies ${d.accuracies.map((c) => `${c.name} ${show(c.name, c.recorded)} -> ${show(c.name, c.reproduced)}`).join(", ")}`);
  parts.push(`${d.weights.differ.toLocaleString("en-US")} of ${d.weights.total.toLocaleString("en-US")} weights`);
  parts.push(`${d.biases.differ.toLocaleString("en-US")} of ${d.biases.total.toLocaleString("en-US")} biases`);
  if (d.steps) parts.push(`${d.steps} layer steps`);
  if (d.requant) parts.push(`${d.requant} requantizations`);
  if (d.other.length) parts.push(`other fields ${d.other.slice(0, MAX_OTHER).join(", ")}${d.other.length > MAX_OTHER ? ` and ${d.other.length - MAX_OTHER} more` : ""}`);
  return `differs: ${parts.join("; ")}`;
}
