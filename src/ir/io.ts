/** Reading, validating and writing IR files. Every problem is reported with the path of its field. */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { semanticIssues } from "./analyze.js";
import { NetworkSchema, type Network } from "./schema.js";

const MAX_LISTED = 4;

function formatZodPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "") || "(root)";
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatZodPath(i.path)}: ${i.message}`);
}

function fail(source: string, issues: string[]): never {
  const shown = issues.slice(0, MAX_LISTED).join("; ");
  const more = issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more` : "";
  throw new TritforgeError(`invalid network ${source}: ${shown}${more}`);
}

/** Validates an already-parsed JSON value as a network (schema, then shape/range consistency). */
export function parseNetwork(value: unknown, source = "(value)"): Network {
  const parsed = NetworkSchema.safeParse(value);
  if (!parsed.success) fail(source, zodIssues(parsed.error));
  const issues = semanticIssues(parsed.data);
  if (issues.length) fail(source, issues);
  return parsed.data;
}

/** Reads and validates a network file. */
export function loadNetwork(file: string): Network {
  return loadNetworkFile(file).network;
}

/** Reads and validates a network file; `json` is the file as parsed JSON, in the file's key order. */
export function loadNetworkFile(file: string): { network: Network; json: unknown } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new TritforgeError(`cannot read model ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TritforgeError(`model ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return { network: parseNetwork(json, file), json };
}

/**
 * Serialises a network: one field per line, but each weight and bias array kept on one line per
 * output unit so files stay diffable and reasonably small.
 */
export function serializeNetwork(net: Network): string {
  parseNetwork(net, `"${net.name}"`);
  return irText(net);
}

/** The IR file layout of any JSON value (no validation): one field per line, integer arrays on one line. */
export function irText(value: unknown): string {
  return JSON.stringify(value, null, 1) // first pass, then collapse numeric arrays
    .replace(/\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]/g, (_m, body: string) => `[${body.replace(/\s+/g, "")}]`)
    .concat("\n");
}

/** Validates and writes a network atomically. */
export function saveNetwork(net: Network, file: string): void {
  writeFileAtomic(file, serializeNetwork(net));
}
