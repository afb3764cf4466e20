/**
 * Architecture `mac-array`: layer-sequential, P output-stationary MAC lanes, inputs broadcast one
 * per cycle; the smallest design, for small FPGAs. Parameter: lanes (P).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Network } from "../../ir/schema.js";
import type { Architecture, BundleFile, Design } from "../architecture.js";
import { TOOL_VERSION } from "../common/bundle.js";
import { readmeCommon } from "../common/readme.js";
import { templateSet } from "../common/render.js";
import { testbenchView } from "../common/testbench.js";
import type { Manifest } from "../bundle/manifest.js";
import { ARCH_ID, buildManifest } from "./manifest.js";
import { MAX_LANES, planMacArray, unsupportedLayer, type RtlPlan } from "./plan.js";
import { acceleratorView, netSummary, romFiles } from "./render.js";
import { biasRomLines, weightRomLines } from "./rom.js";

export const macArrayParams = z.strictObject({
  lanes: z.number().int().min(1).max(MAX_LANES).default(16),
  /** Dense designs: one requantizer shared by the hidden layers or one per layer ("auto": the cheaper estimate; requant-share.ts). */
  requant: z.enum(["auto", "shared", "per-layer"]).default("auto"),
});
export type MacArrayParams = z.infer<typeof macArrayParams>;

const render = templateSet(join(dirname(fileURLToPath(import.meta.url)), "templates"));

function readme(plan: RtlPlan, net: Network, m: Manifest): string {
  return render("bundle-readme", {
    ...readmeCommon(net, m),
    top: plan.top,
    netSummary: netSummary(plan),
    lanes: plan.lanes,
    romCount: plan.layers.length,
    latency: m.timing.latency,
    interval: m.timing.interval,
    inputBits: plan.inputBits,
    inputFeatures: plan.inputFeatures,
    logitBits: plan.logitBits,
    classBits: plan.classBits,
    classes: plan.classes,
    inputTdataBits: m.interface.input.tdataBits,
    outputTdataBits: m.interface.output.tdataBits,
    userBits: m.interface.output.tuserBits,
  });
}

/** Plans and renders every file of a mac-array bundle (except network.json and manifest.json). */
export function designMacArray(plan: RtlPlan, net: Network): Design {
  const manifest = buildManifest(plan, net);
  const files: BundleFile[] = [
    { path: manifest.files.rtl[0]!, content: render("accelerator", acceleratorView(plan, net, manifest.interface)) },
    { path: manifest.files.testbench, content: render("testbench", testbenchView(plan.top, manifest.interface, TOOL_VERSION)) },
  ];
  for (const l of plan.layers) {
    const f = romFiles(plan, l);
    files.push({ path: `mem/${f.weightRom}`, content: weightRomLines(l, plan.lanes).join("\n") + "\n" });
    files.push({ path: `mem/${f.biasRom}`, content: biasRomLines(l).join("\n") + "\n" });
  }
  files.push({ path: "README.md", content: readme(plan, net, manifest) });
  return { manifest, files };
}

export const macArray: Architecture<MacArrayParams> = {
  id: ARCH_ID,
  summary: "layer-sequential, P output-stationary MAC lanes, one input broadcast per cycle (smallest; params: lanes)",
  params: macArrayParams,
  unsupported: (net) => unsupportedLayer(net),
  build: (net, params) => designMacArray(planMacArray(net, params.lanes, { requant: params.requant }), net),
};
