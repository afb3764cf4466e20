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

/** Numbers per chunk of a collapsed integer array: bounds the size of each piece handed to the writer. */
const ARRAY_CHUNK = 1 << 16;

const isIntArray = (a: readonly unknown[]): a is number[] => a.every((v) => typeof v === "number" && Number.isSafeInteger(v));

/**
 * The text of a JSON value, in pieces: the layout of JSON.stringify(value, null, 1) except that an
 * array of integers stays on one line. Linear in the size of the value; no piece is longer than one
 * chunk of an array (or one string), so a writer can stream a network of any size.
 */
export function* jsonChunks(value: unknown, indent = ""): Generator<string> {
  if (Array.isArray(value)) {
    if (value.length === 0) yield "[]";
    else if (isIntArray(value)) {
      for (let i = 0; i < value.length; i += ARRAY_CHUNK) yield (i === 0 ? "[" : ",") + value.slice(i, i + ARRAY_CHUNK).join(",");
      yield "]";
    } else {
      const inner = `${indent} `;
      for (const [i, v] of value.entries()) {
        yield `${i === 0 ? "[" : ","}\n${inner}`;
        yield* v === undefined || typeof v === "function" ? ["null"] : jsonChunks(v, inner);
      }
      yield `\n${indent}]`;
    }
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function");
    if (entries.length === 0) yield "{}";
    else {
      const inner = `${indent} `;
      for (const [i, [k, v]] of entries.entries()) {
        yield `${i === 0 ? "{" : ","}\n${inner}${JSON.stringify(k)}: `;
        yield* jsonChunks(v, inner);
      }
      yield `\n${indent}}`;
    }
    return;
  }
  yield JSON.stringify(value) ?? "null";
}

/**
 * Serialises a network in pieces (validated first): one field per line, each weight and bias array
 * on one line, so files stay diffable and reasonably small.
 */
export function* networkChunks(net: Network): Generator<string> {
  parseNetwork(net, `"${net.name}"`);
  yield* jsonChunks(net);
  yield "\n";
}

/** The whole serialised network as one string (for small networks and hashing; saveNetwork streams). */
export const serializeNetwork = (net: Network): string => [...networkChunks(net)].join("");

/** The IR file layout of any JSON value (no validation): one field per line, integer arrays on one line. */
export const irText = (value: unknown): string => [...jsonChunks(value), "\n"].join("");

/** Validates and writes a network atomically, streaming it: any layer size the schema allows. */
export function saveNetwork(net: Network, file: string): void {
  writeFileAtomic(file, networkChunks(net));
}
