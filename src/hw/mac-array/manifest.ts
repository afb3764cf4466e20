/** The mac-array's bundle manifest: every number from the plan and the cycle model. */
import type { Network } from "../../ir/schema.js";
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type ManifestInterface, type ManifestMemory } from "../bundle/manifest.js";
import { axis4Interface } from "../common/axis.js";
import { networkDigest, NETWORK_FILE, TOOL_VERSION } from "../common/bundle.js";
import { idealCycles, interval, latency } from "./cycles.js";
import { structuralFeatures } from "./features.js";
import type { LayerPlan, RtlPlan } from "./plan.js";
import { romFiles } from "./render.js";

export const ARCH_ID = "mac-array";

export const macArrayInterface = (plan: RtlPlan): ManifestInterface =>
  axis4Interface({ inputBits: plan.inputBits, inputBeats: plan.inputFeatures, logitBits: plan.logitBits, classBits: plan.classBits, classes: plan.classes });

/** Bit columns of `bits`-bit two's-complement words that differ between some two words. */
function varyingBits(words: readonly number[], bits: number): number {
  const m = 2 ** bits;
  const u = words.map((w) => ((w % m) + m) % m);
  let n = 0;
  for (let b = 0; b < bits; b++) {
    const bit = (v: number) => Math.floor(v / 2 ** b) % 2;
    if (u.some((v) => bit(v) !== bit(u[0]!))) n++;
  }
  return n;
}

function memories(plan: RtlPlan): ManifestMemory[] {
  const out: ManifestMemory[] = [];
  for (const l of plan.layers) {
    const f = romFiles(plan, l);
    // Lanes that hold a weight in some group: with one group of N_out < P outputs the idle lanes
    // are constant zero.
    const used = Math.min(plan.lanes, l.nOut);
    // The weight ROMs carry rom_style = "block" in the RTL: block RAM however small (roms.v.hbs).
    out.push({ name: `w_rom_l${l.index}`, kind: "rom", role: "weights", layer: l.index, depth: l.weightRomDepth, width: l.weightRomWidth, bits: l.weightRomDepth * l.weightRomWidth, usedWidth: used * l.weightBits, file: `mem/${f.weightRom}`, style: "block" });
    // One bias per word (the drain reads one output's or channel's bias at a time); bit columns that
    // are the same in every word (e.g. sign bits of all-negative drain biases) are constants to synthesis
    // (at least 1: the manifest's widths are positive; a ROM of equal words is a constant anyway).
    out.push({ name: `b_rom_l${l.index}`, kind: "rom", role: "bias", layer: l.index, depth: l.biasRomDepth, width: l.biasRomWidth, bits: l.biasRomDepth * l.biasRomWidth, usedWidth: Math.max(1, varyingBits(l.drainBias ?? l.stage.bias, l.biasBits)), file: `mem/${f.biasRom}` });
  }
  for (const b of plan.buffers)
    for (const name of b.secondRead ? [`buf${b.index}`, `buf${b.index}b`] : [`buf${b.index}`])
      out.push({ name, kind: "ram", role: "activations", layer: null, depth: b.depth, width: plan.actBits, bits: b.depth * plan.actBits, usedWidth: plan.actBits, file: null });
  out.push({ name: "logit", kind: "ram", role: "logits", layer: null, depth: plan.classes, width: plan.logitBits, bits: plan.classes * plan.logitBits, usedWidth: plan.logitBits, file: null });
  return out;
}

/** A windowed layer's geometry as the walk computes it (designs with convolutions). */
const walkStructure = ({ walk: w, laneOrder, runGroups }: LayerPlan) => ({
  input: [w.height, w.width, w.channels],
  kernel: w.kernel,
  padding: w.padding,
  pool: { size: w.poolSize, stride: w.poolStride },
  output: [w.outHeight, w.outWidth],
  laneOrder,
  laneGroups: runGroups,
  runs: w.runs,
});

export function buildManifest(plan: RtlPlan, net: Network): Manifest {
  const mems = memories(plan);
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    name: plan.name,
    top: plan.top,
    // A forced requantizer structure is recorded (regeneration must repeat it); "auto" is the default.
    arch: { id: ARCH_ID, params: { lanes: plan.lanes, ...(plan.requantSharing.requested === "auto" ? {} : { requant: plan.requantSharing.requested }) } },
    files: {
      rtl: [`rtl/${plan.top}.v`],
      mem: mems.flatMap((m) => (m.file ? [m.file] : [])),
      testbench: `tb/${plan.top}_tb.v`,
      network: NETWORK_FILE,
    },
    interface: macArrayInterface(plan),
    network: {
      name: net.name,
      digest: networkDigest(net),
      input: { shape: net.input.shape, features: plan.inputFeatures, bits: plan.inputBits },
      classes: plan.classes,
      layers: plan.layers.map((l) => ({
        name: l.name,
        kind: l.stage.source,
        inFeatures: l.nIn,
        outFeatures: l.nOut,
        levels: l.levels,
        weightBits: l.weightBits,
        accBits: l.accBits,
        outBits: l.requant ? l.requant.outBits : l.accBits,
      })),
      provenance: net.provenance,
    },
    memories: mems,
    timing: { latency: latency(plan), interval: interval(plan), ideal: idealCycles(plan) },
    features: structuralFeatures(plan),
    structure: {
      lanes: plan.lanes,
      accBits: plan.accBits,
      actBits: plan.actBits,
      logitBits: plan.logitBits,
      layers: plan.layers.map((l) => ({
        groups: l.groups,
        lastGroupSize: l.lastGroupSize,
        biasBits: l.biasBits,
        requant: l.requant ? { multiplier: l.requant.multiplier, shift: l.requant.shift, csdTerms: l.requant.terms.length, productBits: l.requant.productBits } : null,
        ...(plan.walk ? { walk: walkStructure(l) } : {}),
      })),
    },
    provenance: { tool: "tritforge", toolVersion: TOOL_VERSION },
  };
}
