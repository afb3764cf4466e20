/**
 * The dataflow hardware bundle: rtl/, mem/ (one weight ROM per PE, one bias ROM per layer), tb/,
 * network.json, manifest.json (architecture, folding, memories, latency, interval) and README.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serializeNetwork } from "../../ir/io.js";
import type { Network } from "../../ir/schema.js";
import { TOOL_VERSION } from "../../rtl/generate.js";
import { writeDirAtomic } from "../../util/fs.js";
import { layerTimings } from "./cycles.js";
import { foldingFile, type Folding, type FoldingFile } from "./fold.js";
import { biasRomFile, biasRomLines, peWeightRomLines, weightRomFile } from "./mem.js";
import { planDataflow, type DfPlan, type MemStyle } from "./plan.js";
import { foldSummary, netSummary, renderAccelerator, renderTestbench, template } from "./render.js";

export interface DfMemory {
  name: string;
  kind: "rom" | "ram";
  role: "weights" | "bias" | "activations" | "logits";
  depth: number;
  width: number;
  bits: number;
  style: MemStyle;
}

export interface DataflowManifest {
  format: "tritforge-hw";
  version: 1;
  architecture: "dataflow";
  name: string;
  top: string;
  /** Ternary/M-level lanes in total: sum of PE x SIMD. */
  lanes: number;
  folding: FoldingFile;
  rtl: string[];
  mem: string[];
  testbench: string;
  input: { features: number; bits: number; valuesPerBeat: number; beats: number };
  classes: number;
  layers: Array<{
    name: string;
    inFeatures: number;
    outFeatures: number;
    levels: number;
    weightBits: number;
    pe: number;
    simd: number;
    nf: number;
    sf: number;
    interval: number;
    latency: number;
    groups: number;
    weightRomDepth: number;
    weightRomWidth: number;
    weightRomBits: number;
    biasRomDepth: number;
    biasRomWidth: number;
    biasRomBits: number;
    accBits: number;
    outBits: number;
    outWidth: number;
    bufferImages: number;
    requant: { multiplier: number; shift: number; csdTerms: number } | null;
  }>;
  accBits: number;
  logitBits: number;
  memories: DfMemory[];
  activationBuffers: Array<{ name: string; depth: number; width: number; bits: number }>;
  romBits: number;
  biasRomBits: number;
  activationBufferBits: number;
  /** Cycles from an image's first input beat to its last output beat, empty pipeline. */
  latency: number;
  /** Steady-state cycles between the starts of successive images. */
  interval: number;
  /** = latency (the field the mac-array tools read as one inference's cycles). */
  cyclesPerInference: number;
  network: { name: string; provenance: Network["provenance"] };
  estimate?: unknown;
}

export function dataflowMemories(plan: DfPlan): DfMemory[] {
  const mems: DfMemory[] = [];
  const add = (name: string, kind: DfMemory["kind"], role: DfMemory["role"], depth: number, width: number, style: MemStyle) =>
    mems.push({ name, kind, role, depth, width, bits: depth * width, style });
  for (const l of plan.layers) {
    add(`buf_l${l.index}`, "ram", "activations", l.buffer.depth, l.buffer.width, l.buffer.style);
    for (let p = 0; p < l.pe; p++) add(`wrom_l${l.index}_pe${p}`, "rom", "weights", l.weightRomDepth, l.weightRomWidth, l.weightRomStyle);
    add(`brom_l${l.index}`, "rom", "bias", l.nf, l.biasRomWidth, "distributed");
  }
  add("obuf", "ram", "logits", plan.output.buffer.depth, plan.output.buffer.width, "distributed");
  return mems;
}

export function buildDataflowManifest(plan: DfPlan, net: Network): DataflowManifest {
  const timings = layerTimings(plan);
  const layers = plan.layers.map((l, i) => ({
    name: l.name,
    inFeatures: l.nIn,
    outFeatures: l.nOut,
    levels: l.levels,
    weightBits: l.weightBits,
    pe: l.pe,
    simd: l.simd,
    nf: l.nf,
    sf: l.sf,
    interval: l.interval,
    latency: timings[i]!.latency,
    groups: l.nf,
    weightRomDepth: l.weightRomDepth,
    weightRomWidth: l.pe * l.weightRomWidth,
    weightRomBits: l.weightRomDepth * l.pe * l.weightRomWidth,
    biasRomDepth: l.nf,
    biasRomWidth: l.biasRomWidth,
    biasRomBits: l.nf * l.biasRomWidth,
    accBits: l.accBits,
    outBits: l.outBits,
    outWidth: l.outWidth,
    bufferImages: l.buffer.banks,
    requant: l.requant ? { multiplier: l.requant.multiplier, shift: l.requant.shift, csdTerms: l.requant.terms.length } : null,
  }));
  const memories = dataflowMemories(plan);
  const activationBuffers = memories.filter((m) => m.role === "activations").map((m) => ({ name: m.name, depth: m.depth, width: m.width, bits: m.bits }));
  const mem = plan.layers.flatMap((l) => [...Array.from({ length: l.pe }, (_, p) => `mem/${weightRomFile(plan, l, p)}`), `mem/${biasRomFile(plan, l)}`]);
  return {
    format: "tritforge-hw",
    version: 1,
    architecture: "dataflow",
    name: plan.name,
    top: plan.top,
    lanes: plan.layers.reduce((s, l) => s + l.pe * l.simd, 0),
    folding: foldingFile(plan.folding, plan.layers.map((l) => l.name)),
    rtl: [`rtl/${plan.top}.v`],
    mem,
    testbench: `tb/${plan.top}_tb.v`,
    input: { features: plan.inputFeatures, bits: plan.inputBits, valuesPerBeat: plan.folding.inputPerBeat, beats: plan.inputBeats },
    classes: plan.output.classes,
    layers,
    accBits: Math.max(...plan.layers.map((l) => l.accBits)),
    logitBits: plan.output.logitBits,
    memories,
    activationBuffers,
    romBits: layers.reduce((s, l) => s + l.weightRomBits, 0),
    biasRomBits: layers.reduce((s, l) => s + l.biasRomBits, 0),
    activationBufferBits: activationBuffers.reduce((s, b) => s + b.bits, 0),
    latency: plan.latency,
    interval: plan.interval,
    cyclesPerInference: plan.latency,
    network: { name: net.name, provenance: net.provenance },
  };
}

function renderReadme(plan: DfPlan, net: Network, m: DataflowManifest): string {
  const p = net.provenance;
  const acc = p.accuracy ? `integer-model accuracy ${(p.accuracy.value * 100).toFixed(2)}% on ${p.accuracy.samples} ${p.dataset ?? ""} ${p.accuracy.split} samples` : "no measured accuracy";
  return template("bundle-readme.md.hbs")({
    toolVersion: TOOL_VERSION,
    top: plan.top,
    netName: net.name,
    modelNote: p.untrained ? "UNTRAINED seeded random weights" : `${p.source}${p.dataset ? ` on ${p.dataset}` : ""}, ${acc}`,
    netSummary: netSummary(plan),
    foldSummary: foldSummary(plan),
    layers: m.layers,
    lanes: m.lanes,
    romBits: m.romBits,
    biasRomBits: m.biasRomBits,
    activationBufferBits: m.activationBufferBits,
    latency: m.latency,
    interval: m.interval,
    inputBits: plan.inputBits,
    inputPerBeat: plan.folding.inputPerBeat,
    inBeatBits: plan.folding.inputPerBeat * plan.inputBits,
    inputBeats: plan.inputBeats,
    inputFeatures: plan.inputFeatures,
    logitBits: plan.output.logitBits,
    classBits: plan.output.classBits,
    classes: plan.output.classes,
  });
}

/** Writes every file of the bundle into `dir` (which must exist). */
export function writeDataflowFiles(dir: string, plan: DfPlan, net: Network): DataflowManifest {
  const manifest = buildDataflowManifest(plan, net);
  for (const sub of ["rtl", "mem", "tb"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, manifest.rtl[0]!), renderAccelerator(plan, net));
  writeFileSync(join(dir, manifest.testbench), renderTestbench(plan));
  for (const l of plan.layers) {
    for (let p = 0; p < l.pe; p++) writeFileSync(join(dir, "mem", weightRomFile(plan, l, p)), peWeightRomLines(l, p).join("\n") + "\n");
    writeFileSync(join(dir, "mem", biasRomFile(plan, l)), biasRomLines(l).join("\n") + "\n");
  }
  writeFileSync(join(dir, "network.json"), serializeNetwork(net));
  writeFileSync(join(dir, "README.md"), renderReadme(plan, net, manifest));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** Plans and writes a complete bundle atomically: on any error no folder is left behind. */
export async function generateDataflowBundle(net: Network, folding: Folding, outDir: string): Promise<{ plan: DfPlan; manifest: DataflowManifest }> {
  const plan = planDataflow(net, folding);
  let manifest: DataflowManifest | undefined;
  await writeDirAtomic(outDir, (tmp) => {
    manifest = writeDataflowFiles(tmp, plan, net);
  });
  return { plan, manifest: manifest! };
}
