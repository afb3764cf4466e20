/**
 * Writing a hardware bundle: the architecture's files plus network.json, README.md, manifest.json
 * the protocol-checker testbench (tb/<top>_protocol_tb.v, for interfaces with tlast and a status
 * port) and the vendor files (component.xml, vivado/, quartus/: src/vendor), built in a temporary
 * sibling and moved into place only when complete.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { serializeNetwork } from "../../ir/io.js";
import type { Network } from "../../ir/schema.js";
import { writeDirAtomic } from "../../util/fs.js";
import type { Design } from "../architecture.js";
import { parseManifest, type Manifest } from "../bundle/manifest.js";
import { ESTIMATE_FILE } from "../../cost/estimate.js";
import { renderVendorFiles } from "../../vendor/render.js";
import { vendorDesign } from "../../vendor/manifest.js";
import { COMMON_TEMPLATES, templateSet } from "./render.js";
import { protocolTestbenchFile, testbenchView } from "./testbench.js";

const renderCommon = templateSet(COMMON_TEMPLATES);

export const TOOL_VERSION = "0.1.0";
export const NETWORK_FILE = "network.json";

/** SHA-256 of the network exactly as the bundle stores it (manifest network.digest). */
export const networkDigest = (net: Network): string => createHash("sha256").update(serializeNetwork(net)).digest("hex");

/** The protocol-checker testbench a bundle holds (interfaces with input tlast and a status port), else null. */
const protocolTestbenchOf = (m: Manifest): string | null => (m.interface.input.tlast && m.interface.status ? protocolTestbenchFile(m.top) : null);

/** Writes every file of the design into `dir` (which must exist). */
export function writeDesignFiles(dir: string, design: Design, net: Network): void {
  for (const f of design.files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
  writeFileSync(join(dir, NETWORK_FILE), serializeNetwork(net));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(design.manifest, null, 2) + "\n");
  const m = design.manifest;
  const protocolTb = protocolTestbenchOf(m);
  if (protocolTb) {
    mkdirSync(join(dir, dirname(protocolTb)), { recursive: true });
    writeFileSync(join(dir, protocolTb), renderCommon("protocol-tb", testbenchView(m.top, m.interface, TOOL_VERSION)));
  }
  for (const [rel, text] of renderVendorFiles(vendorDesign(design.manifest), { toolVersion: TOOL_VERSION })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/**
 * The files an existing bundle's manifest says tritforge wrote (none when it holds no bundle
 * manifest): what a bundle written before ownership markers may be replaced with.
 */
export function bundleFiles(dir: string): string[] {
  try {
    const raw = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { format?: unknown; files?: Record<string, unknown> };
    if (raw.format !== "tritforge-hw" || typeof raw.files !== "object" || raw.files === null) return [];
    const listed = Object.values(raw.files).flatMap((v) => (Array.isArray(v) ? v : [v])).filter((f): f is string => typeof f === "string");
    let derived: string[] = []; // files the manifest implies: vendor files, protocol testbench
    try {
      const m = parseManifest(raw, dir);
      derived = renderVendorFiles(vendorDesign(m), { toolVersion: TOOL_VERSION }).map(([rel]) => rel);
      const protocolTb = protocolTestbenchOf(m);
      if (protocolTb) derived.push(protocolTb);
    } catch {
      /* a manifest of another version: its own files only */
    }
    return [...listed, ...derived, NETWORK_FILE, "README.md", "manifest.json", ESTIMATE_FILE];
  } catch {
    return [];
  }
}

/**
 * Writes the design's bundle atomically: on any error no folder is left behind. An existing
 * `outDir` is replaced only if it is a bundle tritforge wrote (or `force`).
 */
export async function writeBundle(outDir: string, design: Design, net: Network, o: { force?: boolean } = {}): Promise<void> {
  await writeDirAtomic(outDir, (tmp) => writeDesignFiles(tmp, design, net), { force: o.force, declaredFiles: bundleFiles });
}
