/**
 * A hardware bundle as the simulators read it: the validated manifest and the network it was
 * generated from, with one-line errors when network.json disagrees with the manifest.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { loadManifest, readJsonFile, type Manifest } from "../hw/bundle/manifest.js";
import { parseNetwork } from "../ir/io.js";
import type { Network } from "../ir/schema.js";
import { inputSize } from "../reference/infer.js";
import { TritforgeError } from "../util/errors.js";

export interface Bundle {
  dir: string;
  manifest: Manifest;
  network: Network;
}

/** The first field where `net` disagrees with the manifest's network section, or null. */
export function networkDisagreement(m: Manifest, net: Network): string | null {
  const n = m.network;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (n.name !== net.name) return `network.name is "${n.name}" but network.json has "${net.name}"`;
  if (!same(n.input.shape, net.input.shape)) return `network.input.shape is [${n.input.shape.join(", ")}] but network.json has [${net.input.shape.join(", ")}]`;
  if (n.input.features !== inputSize(net)) return `network.input.features is ${n.input.features} but network.json has ${inputSize(net)}`;
  if (n.input.bits !== net.input.bits) return `network.input.bits is ${n.input.bits} but network.json has ${net.input.bits}`;
  const weights = net.layers.filter((l) => l.kind === "dense" || l.kind === "conv2d");
  const last = weights[weights.length - 1];
  const classes = last ? (last.kind === "dense" ? last.outFeatures : last.outChannels) : 0;
  if (n.classes !== classes) return `network.classes is ${n.classes} but network.json's last layer has ${classes} outputs`;
  if (!same(n.provenance, net.provenance)) return "network.provenance differs from network.json's provenance";
  return null;
}

/** Loads and cross-checks a bundle (manifest schema, network.json, the digest binding the two). */
export function loadBundle(dir: string): Bundle {
  const abs = resolve(dir);
  const manifest = loadManifest(dir);
  const file = join(abs, manifest.files.network);
  if (!existsSync(file)) throw new TritforgeError(`${dir}: ${manifest.files.network} is listed in manifest.json (files.network) but missing`);
  const raw = readJsonFile(file, dir);
  const network = parseNetwork(raw, join(dir, manifest.files.network));
  const why = networkDisagreement(manifest, network);
  if (why) throw new TritforgeError(`${join(dir, "manifest.json")}: ${why}`);
  const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
  if (digest !== manifest.network.digest) throw new TritforgeError(`${join(dir, "manifest.json")}: network.digest does not match ${manifest.files.network} (the network was edited after generation: regenerate the bundle)`);
  for (const f of [...manifest.files.rtl, ...manifest.files.mem, manifest.files.testbench])
    if (!existsSync(join(abs, f))) throw new TritforgeError(`${dir}: ${f} is listed in manifest.json but missing`);
  return { dir: abs, manifest, network };
}
