/**
 * The mac-array's view models: plain values and pre-formatted Verilog fragments computed from the
 * plan, which the templates in ./templates only paste.
 */
import type { Network } from "../../ir/schema.js";
import type { ManifestInterface } from "../bundle/manifest.js";
import { portDecls } from "../common/testbench.js";
import { requantView } from "../common/requant.js";
import { signExtend, zeroExtend } from "../common/verilog.js";
import { TOOL_VERSION } from "../common/bundle.js";
import type { LayerPlan, RtlPlan } from "./plan.js";

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
  const requant = l.requant
    ? { ...requantView(l.requant, `l${l.index}`, `drain[0][${l.accBits - 1}:0]`, `drain[0][${l.accBits - 1}]`, l.accBits, plan.actBits), label: `Layer ${l.index}` }
    : null;
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

export function acceleratorView(plan: RtlPlan, net: Network, iface: ManifestInterface) {
  const layerBits = plan.layerBits;
  const magBits = Array.from({ length: plan.weightBits - 1 }, (_, b) => b);
  const laneTerm = magBits
    .map((b) => `(wabs[${b}] ? ${b === 0 ? "x1_ext" : `(x1_ext <<< ${b})`} : {ACC_W{1'b0}})`)
    .join(" + ");
  return {
    toolVersion: TOOL_VERSION,
    netName: net.name,
    ports: portDecls(iface),
    argmax: { first: "drain_addr == {AW{1'b0}}", value: "drain0_logit", best: "best", index: "drain_addr[CLASS_W-1:0]" },
    netSummary: netSummary(plan),
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


export const netSummary = (plan: RtlPlan): string =>
  `${plan.inputFeatures}-${plan.layers.map((l) => l.nOut).join("-")} (${plan.layers.map((l) => `${l.levels} levels`).join(", ")}), ${plan.inputBits}-bit input`;
