/**
 * Renders the accelerator and its testbench from the Handlebars templates, and writes a hardware
 * bundle: rtl/, mem/, tb/ and manifest.json. The view models below are plain values and
 * pre-formatted Verilog fragments computed from the plan; the templates only paste them.
 */
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { serializeNetwork } from "../ir/io.js";
import type { Network } from "../ir/schema.js";
import { writeDirAtomic } from "../util/fs.js";
import { biasRomLines, weightRomLines } from "./mem.js";
import { idealCycles, planRtl, predictCycles, type LayerPlan, type RtlPlan } from "./plan.js";

export const TOOL_VERSION = "0.1.0";
const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");

const templateCache = new Map<string, Handlebars.TemplateDelegate>();
function template(name: string): Handlebars.TemplateDelegate {
  let t = templateCache.get(name);
  if (!t) {
    t = Handlebars.compile(readFileSync(join(TEMPLATE_DIR, name), "utf8"), { noEscape: true, strict: true });
    templateCache.set(name, t);
  }
  return t;
}

/** Sign-extends `expr` (width `from`) to `to` bits; `msb` is the expression of its top bit. */
function signExtend(expr: string, msb: string, from: number, to: number): string {
  return from === to ? expr : `{ {${to - from}{${msb}}}, ${expr} }`;
}
const zeroExtend = (expr: string, from: number, to: number): string => (from === to ? expr : `{ ${to - from}'d0, ${expr} }`);

export interface Files {
  weightRom: string;
  biasRom: string;
}

export const romFiles = (plan: RtlPlan, l: LayerPlan): Files => ({
  weightRom: `${plan.name.toLowerCase()}_w${l.index}.mem`,
  biasRom: `${plan.name.toLowerCase()}_b${l.index}.mem`,
});

function layerView(plan: RtlPlan, l: LayerPlan) {
  const wb = l.weightBits;
  const bb = l.biasBits;
  const files = romFiles(plan, l);
  const rq = l.requant;
  let requant = null;
  if (rq) {
    const pw = rq.productBits;
    const x = `rq_x_l${l.index}`;
    const shifted = (s: number) => (s === 0 ? x : `(${x} <<< ${s})`);
    let sumExpr = rq.terms.map((t, i) => `${i === 0 ? "" : t.sign > 0 ? " + " : " - "}${shifted(t.shift)}`).join("");
    if (rq.roundConst > 0) sumExpr += ` + ${pw}'sd${rq.roundConst}`;
    requant = {
      multiplier: rq.multiplier,
      shift: rq.shift,
      outBits: rq.outBits,
      productBits: pw,
      xExt: signExtend(`drain[0][${l.accBits - 1}:0]`, `drain[0][${l.accBits - 1}]`, l.accBits, pw),
      sumExpr,
      signBit: pw - 1,
      ovfLow: rq.shift + rq.outBits,
      maxOut: 2 ** rq.outBits - 1,
      lowUnused: rq.shift > 0,
      lowTop: rq.shift - 1,
      yExt: zeroExtend(`rq_y_l${l.index}`, rq.outBits, plan.actBits),
    };
  }
  return {
    index: l.index,
    name: l.name,
    nIn: l.nIn,
    nOut: l.nOut,
    levels: l.levels,
    groups: l.groups,
    lastJ: l.nIn - 1,
    lastGroup: l.groups - 1,
    lastGroupSize: l.lastGroupSize,
    weightBits: wb,
    weightRomDepth: l.weightRomDepth,
    weightRomWidth: l.weightRomWidth,
    weightRomAddrBits: l.weightRomAddrBits,
    biasRomDepth: l.biasRomDepth,
    biasRomWidth: l.biasRomWidth,
    biasRomAddrBits: l.biasRomAddrBits,
    weightRomFile: files.weightRom,
    biasRomFile: files.biasRom,
    readBuffer: l.readBuffer,
    laneWeight: signExtend(`w_q_l${l.index}[k*${wb} +: ${wb}]`, `w_q_l${l.index}[k*${wb}+${wb - 1}]`, wb, plan.weightBits),
    laneBias: signExtend(`b_q_l${l.index}[k*${bb} +: ${bb}]`, `b_q_l${l.index}[k*${bb}+${bb - 1}]`, bb, plan.accBits),
    requant,
  };
}

export function acceleratorView(plan: RtlPlan, net: Network) {
  const layerBits = plan.layerBits;
  const magBits = Array.from({ length: plan.weightBits - 1 }, (_, b) => b);
  const laneTerm = magBits
    .map((b) => `(wabs[${b}] ? ${b === 0 ? "x1_ext" : `(x1_ext <<< ${b})`} : {ACC_W{1'b0}})`)
    .join(" + ");
  return {
    toolVersion: TOOL_VERSION,
    netName: net.name,
    netSummary: `${plan.inputFeatures}-${plan.layers.map((l) => l.nOut).join("-")} (${plan.layers.map((l) => `${l.levels} levels`).join(", ")}), ${plan.inputBits}-bit input`,
    top: plan.top,
    lanes: plan.lanes,
    accBits: plan.accBits,
    actBits: plan.actBits,
    weightBits: plan.weightBits,
    addrBits: plan.addrBits,
    groupBits: plan.groupBits,
    layerBits,
    weightAddrBits: plan.weightAddrBits,
    drainCountBits: plan.drainCountBits,
    logitBits: plan.logitBits,
    classBits: plan.classBits,
    classes: plan.classes,
    inputBits: plan.inputBits,
    inputFeatures: plan.inputFeatures,
    lastLayer: plan.layers.length - 1,
    lastClass: plan.classes - 1,
    xPadBits: plan.accBits - plan.actBits,
    streamExt: zeroExtend("s_axis_tdata", plan.inputBits, plan.actBits),
    laneTerm,
    msbUnused: true,
    // With one lane the drain never holds more than one value, so the MAC stage never stalls.
    drainBusy: plan.lanes === 1 ? "1'b0" : `(drain_cnt > ${plan.drainCountBits}'d1)`,
    accWiderThanLogit: plan.accBits > plan.logitBits,
    addrWiderThanClass: plan.addrBits > plan.classBits,
    layers: plan.layers.map((l) => layerView(plan, l)),
    buffers: plan.buffers.map((b) => {
      const writers = plan.layers.filter((l) => l.writeBuffer === b.index);
      return {
        index: b.index,
        depth: b.depth,
        addrBits: b.addrBits,
        takesStream: b.index === 0,
        drainWriteCond: writers.length ? writers.map((l) => `drain_layer == ${layerBits}'d${l.index}`).join(" || ") : "1'b0",
      };
    }),
  };
}

export function renderAccelerator(plan: RtlPlan, net: Network): string {
  return template("accelerator.v.hbs")(acceleratorView(plan, net));
}

export function renderTestbench(plan: RtlPlan): string {
  return template("testbench.v.hbs")({
    toolVersion: TOOL_VERSION,
    top: plan.top,
    inputBits: plan.inputBits,
    inputFeatures: plan.inputFeatures,
    classes: plan.classes,
    lastClass: plan.classes - 1,
    logitBits: plan.logitBits,
    classBits: plan.classBits,
  });
}

export function renderBundleReadme(plan: RtlPlan, net: Network, manifest: Manifest): string {
  const p = net.provenance;
  const acc = p.accuracy ? `integer-model accuracy ${(p.accuracy.value * 100).toFixed(2)}% on ${p.accuracy.samples} ${p.dataset ?? ""} ${p.accuracy.split} samples` : "no measured accuracy";
  return template("bundle-readme.md.hbs")({
    toolVersion: TOOL_VERSION,
    top: plan.top,
    netName: net.name,
    modelNote: p.untrained ? "UNTRAINED seeded random weights" : `${p.source}${p.dataset ? ` on ${p.dataset}` : ""}, ${acc}`,
    netSummary: acceleratorView(plan, net).netSummary,
    lanes: plan.lanes,
    romBits: manifest.romBits,
    romCount: plan.layers.length,
    biasRomBits: manifest.biasRomBits,
    activationBufferBits: manifest.activationBufferBits,
    cycles: manifest.cyclesPerInference,
    inputBits: plan.inputBits,
    inputFeatures: plan.inputFeatures,
    logitBits: plan.logitBits,
    classBits: plan.classBits,
    classes: plan.classes,
  });
}

export interface Manifest {
  format: "tritforge-hw";
  version: 1;
  name: string;
  top: string;
  lanes: number;
  rtl: string[];
  mem: string[];
  testbench: string;
  input: { features: number; bits: number };
  classes: number;
  layers: Array<{
    name: string;
    inFeatures: number;
    outFeatures: number;
    levels: number;
    weightBits: number;
    groups: number;
    weightRomDepth: number;
    weightRomWidth: number;
    weightRomBits: number;
    biasRomDepth: number;
    biasRomWidth: number;
    biasRomBits: number;
    accBits: number;
    outBits: number;
    requant: { multiplier: number; shift: number; csdTerms: number } | null;
  }>;
  accBits: number;
  actBits: number;
  logitBits: number;
  activationBuffers: Array<{ name: string; depth: number; width: number; bits: number }>;
  romBits: number;
  biasRomBits: number;
  activationBufferBits: number;
  cyclesPerInference: number;
  idealCycles: number;
  network: { name: string; provenance: Network["provenance"] };
  estimate?: unknown;
}

export function buildManifest(plan: RtlPlan, net: Network): Manifest {
  const files = plan.layers.map((l) => romFiles(plan, l));
  const layers = plan.layers.map((l) => ({
    name: l.name,
    inFeatures: l.nIn,
    outFeatures: l.nOut,
    levels: l.levels,
    weightBits: l.weightBits,
    groups: l.groups,
    weightRomDepth: l.weightRomDepth,
    weightRomWidth: l.weightRomWidth,
    weightRomBits: l.weightRomDepth * l.weightRomWidth,
    biasRomDepth: l.biasRomDepth,
    biasRomWidth: l.biasRomWidth,
    biasRomBits: l.biasRomDepth * l.biasRomWidth,
    accBits: l.accBits,
    outBits: l.requant ? l.requant.outBits : l.accBits,
    requant: l.requant ? { multiplier: l.requant.multiplier, shift: l.requant.shift, csdTerms: l.requant.terms.length } : null,
  }));
  const activationBuffers = plan.buffers.map((b) => ({ name: `buf${b.index}`, depth: b.depth, width: plan.actBits, bits: b.depth * plan.actBits }));
  return {
    format: "tritforge-hw",
    version: 1,
    name: plan.name,
    top: plan.top,
    lanes: plan.lanes,
    rtl: [`rtl/${plan.top}.v`],
    mem: files.flatMap((f) => [`mem/${f.weightRom}`, `mem/${f.biasRom}`]),
    testbench: `tb/${plan.top}_tb.v`,
    input: { features: plan.inputFeatures, bits: plan.inputBits },
    classes: plan.classes,
    layers,
    accBits: plan.accBits,
    actBits: plan.actBits,
    logitBits: plan.logitBits,
    activationBuffers,
    romBits: layers.reduce((s, l) => s + l.weightRomBits, 0),
    biasRomBits: layers.reduce((s, l) => s + l.biasRomBits, 0),
    activationBufferBits: activationBuffers.reduce((s, b) => s + b.bits, 0),
    cyclesPerInference: predictCycles(plan),
    idealCycles: idealCycles(plan),
    network: { name: net.name, provenance: net.provenance },
  };
}

/** Writes every file of the bundle into `dir` (which must exist). */
export function writeBundleFiles(dir: string, plan: RtlPlan, net: Network): Manifest {
  const manifest = buildManifest(plan, net);
  for (const sub of ["rtl", "mem", "tb"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, manifest.rtl[0]!), renderAccelerator(plan, net));
  writeFileSync(join(dir, manifest.testbench), renderTestbench(plan));
  for (const l of plan.layers) {
    const f = romFiles(plan, l);
    writeFileSync(join(dir, "mem", f.weightRom), weightRomLines(l, plan.lanes).join("\n") + "\n");
    writeFileSync(join(dir, "mem", f.biasRom), biasRomLines(l, plan.lanes).join("\n") + "\n");
  }
  writeFileSync(join(dir, "network.json"), serializeNetwork(net));
  writeFileSync(join(dir, "README.md"), renderBundleReadme(plan, net, manifest));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** Plans and writes a complete bundle atomically: on any error no folder is left behind. */
export async function generateBundle(net: Network, lanes: number, outDir: string): Promise<{ plan: RtlPlan; manifest: Manifest }> {
  const plan = planRtl(net, lanes);
  let manifest: Manifest | undefined;
  await writeDirAtomic(outDir, (tmp) => {
    manifest = writeBundleFiles(tmp, plan, net);
  });
  return { plan, manifest: manifest! };
}
