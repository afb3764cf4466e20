/**
 * The fields every architecture's bundle README shares: tool version, network name, where the
 * weights came from (with the integer model's measured accuracy) and memory bits per role.
 */
import type { Network } from "../../ir/schema.js";
import type { Manifest } from "../bundle/manifest.js";
import { TOOL_VERSION } from "./bundle.js";

export interface ReadmeCommon {
  toolVersion: string;
  netName: string;
  modelNote: string;
  romBits: number;
  biasRomBits: number;
  activationBufferBits: number;
}

export function readmeCommon(net: Network, m: Manifest): ReadmeCommon {
  const p = net.provenance;
  const acc = p.accuracy ? `integer-model accuracy ${(p.accuracy.value * 100).toFixed(2)}% on ${p.accuracy.samples} ${p.dataset ?? ""} ${p.accuracy.split} samples` : "no measured accuracy";
  const bits = (role: string) => m.memories.filter((x) => x.role === role).reduce((s, x) => s + x.bits, 0);
  return {
    toolVersion: TOOL_VERSION,
    netName: net.name,
    modelNote: p.untrained ? "UNTRAINED seeded random weights" : `${p.source}${p.dataset ? ` on ${p.dataset}` : ""}, ${acc}`,
    romBits: bits("weights"),
    biasRomBits: bits("bias"),
    activationBufferBits: bits("activations"),
  };
}
