/** The dataflow architecture's bundle manifest (contract v2): every number from the plan and the cycle model. */
import type { Network } from "../../ir/schema.js";
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type ManifestInterface, type ManifestMemory } from "../bundle/manifest.js";
import { axis4Interface } from "../common/axis.js";
import { networkDigest, NETWORK_FILE, TOOL_VERSION } from "../common/bundle.js";
import { pipelineShape } from "./cycles.js";
import { planFeatures, type DfEstimate } from "./features.js";
import { foldingFile } from "./fold.js";
import { biasRomFile, weightRomFile } from "./mem.js";
import { rtlFiles } from "./pe-modules.js";
import type { DfPlan } from "./plan.js";
import type { WindowPlan } from "./window.js";

export const ARCH_ID = "dataflow";

export function dataflowInterface(plan: DfPlan): ManifestInterface {
  const k = plan.folding.inputPerBeat;
  const base = axis4Interface({ inputBits: k * plan.inputBits, inputBeats: plan.inputBeats, logitBits: plan.output.logitBits, classBits: plan.output.classBits, classes: plan.output.classes });
  return { ...base, input: { ...base.input, valueBits: plan.inputBits, valuesPerBeat: k } };
}

function memories(plan: DfPlan): ManifestMemory[] {
  const out: ManifestMemory[] = [];
  for (const l of plan.layers) {
    const b = l.buffer;
    for (let c = 0; c < b.copies; c++) {
      const name = b.copies > 1 ? `buf_l${l.index}_c${c}` : `buf_l${l.index}`;
      out.push({ name, kind: "ram", role: "activations", layer: l.index, depth: b.depth, width: b.width, bits: b.depth * b.width, usedWidth: b.width, file: null, style: b.style });
    }
    for (let p = 0; p < l.pe; p++)
      out.push({ name: `wrom_l${l.index}_pe${p}`, kind: "rom", role: "weights", layer: l.index, depth: l.weightRomDepth, width: l.weightRomWidth, bits: l.weightRomDepth * l.weightRomWidth, usedWidth: l.weightRomWidth, file: `mem/${weightRomFile(plan, l, p)}`, ...(l.weightRomStyle === "block" ? { style: "block" as const } : {}) });
    out.push({ name: `brom_l${l.index}`, kind: "rom", role: "bias", layer: l.index, depth: l.biasRomDepth, width: l.biasRomWidth, bits: l.biasRomDepth * l.biasRomWidth, usedWidth: l.biasRomWidth, file: `mem/${biasRomFile(plan, l)}` });
  }
  const ob = plan.output.buffer;
  out.push({ name: "obuf", kind: "ram", role: "logits", layer: null, depth: ob.depth, width: ob.width, bits: ob.depth * ob.width, usedWidth: ob.width, file: null, style: "distributed" });
  return out;
}

/** A conv layer's sliding window and pooling as the generator walks them. */
const windowStructure = (w: WindowPlan) => ({
  input: [w.height, w.width, w.channels],
  kernel: w.kernel,
  padding: w.padding,
  output: [w.outHeight, w.outWidth],
  pool: w.pooled ? { size: w.poolSize, stride: w.poolStride, output: [w.gridHeight, w.gridWidth] } : null,
  pixelsComputed: w.visited,
  bufferCopies: w.copies,
  chunksPerPixel: w.chunks,
});

/** What the solver aimed at and predicted (absent for an explicit folding). */
export interface SolverRecord {
  target: string;
  predicted: DfEstimate & { interval: number };
}

export function buildManifest(plan: DfPlan, net: Network, solver: SolverRecord | null): Manifest {
  const mems = memories(plan);
  const shape = pipelineShape(plan);
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    name: plan.name,
    top: plan.top,
    arch: { id: ARCH_ID, params: { fold: foldingFile(plan.folding, plan.layers.map((l) => l.name)) } },
    files: {
      rtl: rtlFiles(plan),
      mem: mems.flatMap((m) => (m.file ? [m.file] : [])),
      testbench: `tb/${plan.top}_tb.v`,
      network: NETWORK_FILE,
    },
    interface: dataflowInterface(plan),
    network: {
      name: net.name,
      digest: networkDigest(net),
      input: { shape: net.input.shape, features: plan.inputFeatures, bits: plan.inputBits },
      classes: plan.output.classes,
      layers: plan.layers.map((l) => ({
        name: l.name,
        kind: l.layer.kind,
        inFeatures: l.nIn,
        outFeatures: l.nOut,
        levels: l.levels,
        weightBits: l.weightBits,
        accBits: l.accBits,
        outBits: l.outBits,
      })),
      provenance: net.provenance,
    },
    memories: mems,
    // Ideal: the busiest MVU's multiply-accumulates divided by its lanes.
    timing: { latency: plan.latency, interval: plan.interval, ideal: Math.max(...plan.layers.map((l) => l.interval)) },
    features: planFeatures(plan),
    structure: {
      lanes: plan.layers.reduce((s, l) => s + l.pe * l.simd, 0),
      inputBeats: shape.inputBeats,
      classes: shape.classes,
      outputImages: shape.outputImages,
      layers: plan.layers.map((l) => ({
        pe: l.pe,
        simd: l.simd,
        nf: l.nf,
        sf: l.sf,
        interval: l.interval,
        drainDelay: l.drainDelay,
        outWidth: l.outWidth,
        bufferImages: l.buffer.banks,
        biasBits: l.biasBits,
        ...(l.window ? { window: windowStructure(l.window) } : {}),
        requant: l.requant ? { multiplier: l.requant.multiplier, shift: l.requant.shift, csdTerms: l.requant.terms.length, productBits: l.requant.productBits } : null,
      })),
      solver,
    },
    provenance: { tool: "tritforge", toolVersion: TOOL_VERSION },
  };
}
