/**
 * Architecture `dataflow`: layer-pipelined, one matrix-vector unit per weight layer with PE x SIMD
 * folding, layers connected by image buffers, successive images overlapping; the fast design.
 * Parameters (one of): `fold` (explicit folding), `targetInterval`, `targetFps` + `clockMHz`,
 * `maxLuts` (the folding solver); `inputPerBeat` fixes the input port width. Default: the solver
 * with maxLuts 3000 (about the LUTs of the mac-array's P = 16 design).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Network } from "../../ir/schema.js";
import { analyze } from "../../ir/analyze.js";
import { TritforgeError } from "../../util/errors.js";
import type { Architecture, BundleFile, Design } from "../architecture.js";
import type { Manifest } from "../bundle/manifest.js";
import { TOOL_VERSION } from "../common/bundle.js";
import { readmeCommon } from "../common/readme.js";
import { templateSet } from "../common/render.js";
import { testbenchView } from "../common/testbench.js";
import { lowerNetwork } from "../lower/lower.js";
import { dataflowAnalytic, estimatePlan } from "./features.js";
import { memorySummary } from "../../cost/memory.js";
import { FoldingSchema, type Folding, type FoldingFile } from "./fold.js";
import { predictSchedule } from "./cycles.js";
import { shapeFromManifest } from "./measure.js";
import { ARCH_ID, buildManifest, type SolverRecord } from "./manifest.js";
import { biasRomFile, biasRomLines, peWeightRomLines, weightRomFile } from "./mem.js";
import { planDataflow, type DfPlan } from "./plan.js";
import { acceleratorView, foldSummary, netSummary, peModuleFiles } from "./render.js";
import { solveFolding, type SolverTarget } from "./solver.js";

const pos = z.number().int().positive();
export const dataflowParams = z
  .strictObject({
    fold: FoldingSchema.optional(),
    inputPerBeat: pos.optional(),
    targetInterval: pos.optional(),
    targetFps: z.number().positive().optional(),
    clockMHz: z.number().positive().optional(),
    maxLuts: pos.optional(),
  })
  .refine((p) => [p.fold, p.targetInterval, p.targetFps, p.maxLuts].filter((x) => x !== undefined).length <= 1, "give one of fold, targetInterval, targetFps, maxLuts")
  .refine((p) => (p.targetFps === undefined) === (p.clockMHz === undefined), "targetFps and clockMHz go together");
export type DataflowParams = z.infer<typeof dataflowParams>;

export const DEFAULT_MAX_LUTS = 3000;

const render = templateSet(join(dirname(fileURLToPath(import.meta.url)), "templates"));

/** The folding the parameters ask for (explicit, or the solver's), with what the solver predicted. */
export function resolveFolding(net: Network, p: DataflowParams): { folding: Folding; solver: SolverRecord | null } {
  if (p.fold) {
    const names = analyze(net).filter((i) => i.layer.kind === "dense" || i.layer.kind === "conv2d").map((i) => i.layer.name);
    p.fold.layers.forEach((l, i) => {
      if (l.name !== undefined && names[i] !== undefined && l.name !== names[i]) throw new TritforgeError(`fold layer ${i} is named "${l.name}" but the network's layer ${i} is "${names[i]}"`);
    });
    return { folding: { inputPerBeat: p.fold.inputPerBeat ?? p.inputPerBeat ?? 1, layers: p.fold.layers.map(({ pe, simd }) => ({ pe, simd })) }, solver: null };
  }
  const target: SolverTarget =
    p.targetInterval !== undefined
      ? { kind: "interval", cycles: p.targetInterval }
      : p.targetFps !== undefined
        ? { kind: "fps", fps: p.targetFps, clockMHz: p.clockMHz! }
        : { kind: "luts", luts: p.maxLuts ?? DEFAULT_MAX_LUTS };
  const s = solveFolding(net, target, { inputPerBeat: p.inputPerBeat });
  const what = target.kind === "interval" ? `interval <= ${target.cycles} cycles` : target.kind === "fps" ? `${target.fps} images/s at ${target.clockMHz} MHz (interval <= ${s.targetInterval})` : `<= ${target.luts} LUT (estimated)`;
  return { folding: s.folding, solver: { target: what, predicted: { interval: s.plan.interval, ...s.estimate } } };
}

function readme(plan: DfPlan, net: Network, m: Manifest): string {
  const est = estimatePlan(plan);
  return render("bundle-readme", {
    ...readmeCommon(net, m),
    top: plan.top,
    netSummary: netSummary(plan),
    foldSummary: foldSummary(plan),
    cyclesHeader: plan.layers.some((l) => l.window) ? "(pixels x) NF x SF = cycles per image" : "NF x SF = cycles per image",
    layers: plan.layers.map((l) => ({
      name: l.name,
      inFeatures: l.window ? `${l.window.kernel}x${l.window.kernel}x${l.window.channels} window` : l.nIn,
      outFeatures: l.nOut,
      pe: l.pe,
      simd: l.simd,
      cycles: `${l.window ? `${l.window.visited} x ` : ""}${l.nf} x ${l.sf}`,
      interval: l.interval,
      bufferImages: l.buffer.banks,
    })),
    lanes: plan.layers.reduce((s, l) => s + l.pe * l.simd, 0),
    latency: m.timing.latency,
    interval: m.timing.interval,
    estLut: est.lut,
    estBram: est.bram36,
    estLut4: dataflowAnalytic(m.features, m.name).ice40.lut4,
    estEbr: memorySummary(m).ice40.ebr,
    inputBits: plan.inputBits,
    inputPerBeat: plan.folding.inputPerBeat,
    inputTdataBits: m.interface.input.tdataBits,
    outputTdataBits: m.interface.output.tdataBits,
    userBits: m.interface.output.tuserBits,
    inputBeats: plan.inputBeats,
    logitBits: plan.output.logitBits,
    classBits: plan.output.classBits,
    classes: plan.output.classes,
  });
}

/** Renders every file of a dataflow bundle (except network.json and manifest.json). */
export function designDataflow(plan: DfPlan, net: Network, solver: SolverRecord | null): Design {
  const manifest = buildManifest(plan, net, solver);
  const files: BundleFile[] = [
    { path: manifest.files.rtl[0]!, content: render("dataflow", acceleratorView(plan, net, manifest.interface)) },
    ...peModuleFiles(plan).map((f) => ({ path: f.path, content: render(f.template, f.view) })),
    { path: manifest.files.testbench, content: render("testbench", testbenchView(plan.top, manifest.interface, TOOL_VERSION)) },
  ];
  for (const l of plan.layers) {
    for (let p = 0; p < l.pe; p++) files.push({ path: `mem/${weightRomFile(plan, l, p)}`, content: peWeightRomLines(l, p).join("\n") + "\n" });
    files.push({ path: `mem/${biasRomFile(plan, l)}`, content: biasRomLines(l).join("\n") + "\n" });
  }
  files.push({ path: "README.md", content: readme(plan, net, manifest) });
  return { manifest, files };
}

/** The plan the parameters describe (for tools that need more than the manifest). */
export function planFor(net: Network, params: DataflowParams): { plan: DfPlan; solver: SolverRecord | null } {
  const { folding, solver } = resolveFolding(net, params);
  return { plan: planDataflow(net, folding), solver };
}

export const dataflow: Architecture<DataflowParams> = {
  id: ARCH_ID,
  summary: "layer-pipelined, one PE x SIMD matrix-vector unit per layer, images overlap (fast; params: fold | targetInterval | targetFps+clockMHz | maxLuts, inputPerBeat)",
  params: dataflowParams as unknown as z.ZodType<DataflowParams>,
  unsupported: (net) => {
    const lowered = lowerNetwork(net);
    return lowered.ok ? null : lowered.refusal;
  },
  build: (net, params) => {
    const { plan, solver } = planFor(net, params);
    return designDataflow(plan, net, solver);
  },
  predictTimes: (m, count) => predictSchedule(shapeFromManifest(m), count).map((t) => ({ start: t.inputStart, end: t.outputEnd })),
  describe: (m) => {
    const fold = (m.arch.params as { fold: FoldingFile }).fold;
    const s = m.structure as { solver: SolverRecord | null; lanes: number };
    const lines = [`  folding   input ${fold.inputPerBeat}/beat; ${fold.layers.map((l) => `${l.name ?? "?"} PE ${l.pe} x SIMD ${l.simd}`).join(", ")} (${s.lanes} lanes)`];
    if (s.solver) {
      const p = s.solver.predicted;
      lines.push(`  solver    target ${s.solver.target}: predicted interval ${p.interval}, ~${p.lut} LUT, ${p.bram36} RAMB36 equivalents (analytic)`);
    }
    return lines;
  },
};

