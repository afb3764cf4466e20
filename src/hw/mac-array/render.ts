/**
 * The mac-array's view models: plain values and pre-formatted Verilog fragments computed from the
 * plan, which the templates in ./templates only paste.
 */
import type { Network } from "../../ir/schema.js";
import type { ManifestInterface } from "../bundle/manifest.js";
import { portDecls } from "../common/testbench.js";
import { adderTree, requantPipeView, requantView } from "../common/requant.js";
import { MEM_DIR_PARAM } from "../common/axis.js";
import { signExtend, zeroExtend } from "../common/verilog.js";
import { TOOL_VERSION } from "../common/bundle.js";
import type { LayerPlan, RtlPlan } from "./plan.js";
import { walkLaneView } from "./walk-view.js";
import { slotGated, type SharedRequant } from "./requant-share.js";

/** Lanes up to which the drain shifts in a for loop (Verilator's default --unroll-count). */
export const DRAIN_LOOP_MAX_LANES = 64;

export interface Files {
  weightRom: string;
  biasRom: string;
}

export const romFiles = (plan: RtlPlan, l: LayerPlan): Files => ({
  weightRom: `${plan.name.toLowerCase()}_w${l.index}.mem`,
  biasRom: `${plan.name.toLowerCase()}_b${l.index}.mem`,
});

/** What a windowed layer computes, for comments: "conv 3x3 pad 1 on 28x28x1 -> 16 channels, maxpool 2/2 -> 14x14x16". */
function walkSummary(l: LayerPlan): string {
  const w = l.walk;
  if (l.stage.source === "dense") return `dense ${l.nIn} -> ${l.nOut}`;
  const pool = w.poolSize > 1 || w.poolStride > 1 ? `, maxpool ${w.poolSize}/${w.poolStride}` : "";
  return `conv ${w.kernel}x${w.kernel} pad ${w.padding} on ${w.height}x${w.width}x${w.channels} -> ${l.nOut} channels${pool} -> ${w.outHeight}x${w.outWidth}x${l.nOut}`;
}

/** Constants of a layer's window walk, and its "input is inside the map" condition on the padded-frame counters. */
function walkView(l: LayerPlan, coordBits: number) {
  const w = l.walk;
  const cb = coordBits;
  const real = (iy: string, ix: string) =>
    w.padding === 0
      ? "1'b1"
      : `(${iy} >= ${cb}'d${w.padding}) && (${iy} < ${cb}'d${w.height + w.padding}) && (${ix} >= ${cb}'d${w.padding}) && (${ix} < ${cb}'d${w.width + w.padding})`;
  return {
    lastCi: w.channels - 1,
    lastK: w.kernel - 1,
    lastW: w.poolSize - 1,
    lastPx: w.outWidth - 1,
    lastPy: w.outHeight - 1,
    rowStep: w.rowStep,
    pixStep: w.channels,
    orgStepX: w.poolStride * w.channels,
    orgStepY: w.poolStride * w.rowStep,
    padOffset: w.padOffset,
    poolStride: w.poolStride,
    realExpr: real("iy", "ix"),
    // Layers without a second walker never read through it.
    realExprB: w.next ? real("iy_b", "ix_b") : "1'b0",
  };
}

/** Load enables of the requantizer stages: stage 1 takes the bias stage's sum, stage s the stage before. */
const rqEnables = (plan: RtlPlan): string[] => Array.from({ length: plan.requantStages }, (_, s) => (s === 0 ? "e_v" : `q${s}_v`));

function layerView(plan: RtlPlan, l: LayerPlan) {
  const wb = l.weightBits;
  const bb = l.biasBits;
  const files = romFiles(plan, l);
  // Dense designs requantize the bias stage's sum through a pipelined adder tree (the layer's own,
  // or the shared one: sharedRequantView); window-walk designs (convolutions) the drain head plus
  // its bias (drain_y) in one cycle.
  const requant = !l.requant
    ? null
    : plan.walk
      ? { ...requantView(l.requant, `l${l.index}`, `drain_y[${l.accBits - 1}:0]`, `drain_y[${l.accBits - 1}]`, l.accBits, plan.actBits), label: `Layer ${l.index}` }
      : plan.requantSharing.mode === "shared"
        ? { ...requantView(l.requant, `l${l.index}`, "rq_p_all", "", l.accBits, plan.actBits), label: `Layer ${l.index}` }
        : { ...requantPipeView(l.requant, `l${l.index}`, `e_sum[${l.accBits - 1}:0]`, `e_sum[${l.accBits - 1}]`, l.accBits, plan.actBits, rqEnables(plan)), label: `Layer ${l.index}` };
  const laneWord = l.laneOrder === "outputs" ? `w_rot_l${l.index}` : `w_q_l${l.index}`;
  return {
    index: l.index,
    name: l.name,
    nIn: l.nIn,
    nOut: l.nOut,
    levels: l.levels,
    groups: l.groups,
    lastJ: l.nIn - 1,
    preLastJ: Math.max(l.nIn - 2, 0),
    oneInput: l.nIn === 1 ? 1 : 0,
    nextOneInput: plan.layers[l.index + 1]?.nIn === 1 ? 1 : 0,
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
    summary: plan.walk ? walkSummary(l) : `${l.nIn} -> ${l.nOut}`,
    walk: plan.walk ? walkView(l, plan.walk.coord) : null,
    laneWeight: signExtend(`${laneWord}[k*${wb} +: ${wb}]`, `${laneWord}[k*${wb}+${wb - 1}]`, wb, plan.weightBits),
    ...(plan.walk ? walkLaneView(plan, l) : {}),
    laneBias: signExtend(`b_q_l${l.index}[k*${bb} +: ${bb}]`, `b_q_l${l.index}[k*${bb}+${bb - 1}]`, bb, plan.accBits),
    drainBias: signExtend(`b_q_l${l.index}`, `b_q_l${l.index}[${bb - 1}]`, bb, plan.accBits),
    requant,
  };
}

/**
 * The shared requantizer (requant-share.ts): gate wires of the slots whose digits differ between
 * layers, the slot operands, the per-layer constant, the adder tree over them, and each layer's
 * clamp of the one product.
 */
function sharedRequantView(plan: RtlPlan, sr: SharedRequant) {
  const pw = sr.productBits;
  const x = "rq_x_all";
  const isLayer = (layers: number[]) => layers.map((i) => `(e_layer == ${plan.layerBits}'d${i})`).join(" || ");
  const gates: Array<{ name: string; expr: string; comment: string }> = [];
  const slotWires: Array<{ decl: string; name: string; expr: string }> = [];
  const operands: string[] = [];
  const xb = sr.xBits;
  const xAcc = `e_sum[${xb - 1}:0]`;
  for (const slot of sr.slots) {
    const shift = (v: string) => (slot.shift === 0 ? v : `(${v} <<< ${slot.shift})`);
    const on = slot.digits.filter((d) => d.digit !== 0).map((d) => d.layer);
    const neg = slot.digits.filter((d) => d.digit < 0).map((d) => d.layer);
    if (neg.length === 0 && on.length === slot.digits.length) {
      operands.push(shift(x));
      continue;
    }
    // x inverted (digit -1) and gated (digit 0) at its own width, then sign-extended and shifted
    // (the low bits stay zero and the top bits one sign wire, as in the per-layer trees).
    let expr = xAcc;
    if (neg.length) {
      const name = `rq_n${slot.shift}_all`;
      gates.push({ name, expr: neg.length === slot.digits.length ? "1'b1" : isLayer(neg), comment: `layers whose digit at 2^${slot.shift} is -1` });
      expr = `(${expr} ^ {${xb}{${name}}})`;
    }
    if (on.length < slot.digits.length) {
      const name = `rq_g${slot.shift}_all`;
      gates.push({ name, expr: isLayer(on), comment: `layers with a digit at 2^${slot.shift}` });
      expr = `(${expr} & {${xb}{${name}}})`;
    }
    const v = `rq_v${slot.shift}_all`;
    slotWires.push({ decl: `[${xb}-1:0]`, name: v, expr });
    slotWires.push({ decl: `signed [${pw}-1:0]`, name: `rq_o${slot.shift}_all`, expr: shift(signExtend(v, `${v}[${xb - 1}]`, xb, pw)) });
    operands.push(`rq_o${slot.shift}_all`);
  }
  const values = [...new Set(sr.constants.map((c) => c.value))];
  const constant = (v: number) => `${pw}'sd${v}`;
  const constCases =
    values.length > 1
      ? values.map((v) => ({ label: sr.constants.filter((c) => c.value === v).map((c) => `${plan.layerBits}'d${c.layer}`).join(", "), value: constant(v) }))
      : null;
  if (constCases) operands.push("rq_c_all");
  else if (values[0]! !== 0) operands.push(constant(values[0]!));
  const clamps = plan.layers.flatMap((l) => {
    if (!l.requant) return [];
    const v = requantView(l.requant, `l${l.index}`, "rq_p_all", "", l.accBits, plan.actBits);
    return [{ ...v, index: l.index, productBits: pw, signBit: pw - 1 }];
  });
  return {
    layerList: sr.constants.map((c) => c.layer).join(", "),
    // Slots without gate or inversion read the sign-extended x.
    xUsed: operands.some((o) => o.includes(x)),
    productBits: pw,
    xExt: signExtend(`e_sum[${sr.xBits - 1}:0]`, `e_sum[${sr.xBits - 1}]`, sr.xBits, pw),
    gates,
    slotWires,
    constCases,
    constDefault: constant(values[0]!),
    ...adderTree(operands, "all", rqEnables(plan)),
    clamps,
  };
}

export function acceleratorView(plan: RtlPlan, net: Network, iface: ManifestInterface) {
  const layerBits = plan.layerBits;
  const magBits = Array.from({ length: plan.weightBits - 1 }, (_, b) => b);
  const walk = plan.walk;
  const bufferAddrBits = Math.max(...plan.buffers.map((b) => b.addrBits));
  const secondReads = plan.buffers.filter((b) => b.secondRead);
  const secondReadAddrBits = Math.max(0, ...secondReads.map((b) => b.addrBits));
  // The lane input: at the fetch stage in window-walk designs (per lane, xk_ext, when lanes over
  // outputs choose between the two walkers), at the MAC stage (x2) in dense ones.
  const x = walk ? (walk.pairs ? "xk_ext" : "x1_ext") : "x2_t";
  const zero = walk ? "{ACC_W{1'b0}}" : `{${plan.termBits}{1'b0}}`;
  const shift = walk ? "<<<" : "<<";
  const laneTerm = magBits.map((b) => `(wabs[${b}] ? ${b === 0 ? x : `(${x} ${shift} ${b})`} : ${zero})`).join(" + ");
  const lastQ = `q${plan.requantStages}`;
  return {
    toolVersion: TOOL_VERSION,
    netName: net.name,
    ports: portDecls(iface),
    moduleParams: [{ name: MEM_DIR_PARAM, value: '"mem/"', comment: "folder of the ROM images ($readmemh), relative to the working directory" }],
    inputTdataBits: iface.input.tdataBits,
    inputTopBit: iface.input.tdataBits - 1,
    inputPadBits: iface.input.tdataBits > plan.inputBits,
    outputTdataBits: iface.output.tdataBits,
    logitExt: signExtend("logit_out", `logit_out[${plan.logitBits - 1}]`, plan.logitBits, iface.output.tdataBits),
    argmax: walk
      ? { first: "drain_addr == {AW{1'b0}}", value: "drain0_logit", best: "best", index: "drain_addr[CLASS_W-1:0]" }
      : { first: "am_first", value: "am_val", best: "best", index: "am_idx" },
    netSummary: netSummary(plan),
    top: plan.top,
    lanes: plan.lanes,
    accBits: plan.accBits,
    actBits: plan.actBits,
    weightBits: plan.weightBits,
    addrBits: plan.addrBits,
    // The window walk (designs with convolutions) or the plain input counter (dense-only designs).
    walk,
    pools: plan.pools,
    walkAddrBits: walk?.address,
    channelBits: walk?.channel,
    kernelBits: walk?.kernel,
    poolBits: walk?.pool,
    pixelBits: walk?.pixel,
    coordBits: walk?.coord,
    pairs: walk?.pairs,
    // The second walker's row/column counters exist only for its padding test.
    pairsPadded: plan.layers.some((l) => l.walk.next !== null && l.walk.padding > 0),
    phaseBits: walk?.phase,
    shiftBits: walk?.shift,
    drainChannelBits: walk?.drainChannel,
    secondReadAddrBits,
    addrWiderThanSecondReads: plan.addrBits > secondReadAddrBits,
    phaseWiderThanDrainChannel: walk !== null && walk.phase > walk.drainChannel,
    walkAddrWider: walk !== null && walk.address > plan.addrBits,
    addrWiderThanBuffers: plan.addrBits > bufferAddrBits,
    bufferAddrBits,
    lastBeat: plan.inputFeatures - 1,
    firstCond: walk ? "first_c" : `is_j == ${plan.addrBits}'d0`,
    firstInput: walk ? "first_c" : `(is_j == ${plan.addrBits}'d0)`,
    lastInput: walk ? "end_run" : "last_of_grp",
    readAddr: walk ? "rd_addr" : "is_j",
    drainLoad: walk ? "mac && last1 && plast1" : "mac && last1",
    laneResult: walk ? "lane_out" : "lane_sum",
    // Verilator unrolls loops of up to 64 iterations; a wider drain is a generate loop of stage
    // registers (a for loop over the array fails lint with BLKLOOPINIT there). Up to 64 lanes the
    // loop stays, so the designs measured and committed with it keep their bytes and estimates.
    drainStages: plan.lanes > DRAIN_LOOP_MAX_LANES,
    groupBits: plan.groupBits,
    layerBits,
    weightAddrBits: plan.weightAddrBits,
    drainCountBits: plan.drainCountBits,
    drainIdxBits: plan.drainIdxBits,
    // One lane: the drain has a single register.
    drainSel: plan.lanes === 1 ? "drain[0]" : "drain[drain_idx]",
    bufAddrBits: bufferAddrBits,
    requantStages: plan.requantStages,
    // Requantizer pipeline stages q1..qR: valid, layer and buffer address of the value in each.
    rqStages: Array.from({ length: plan.requantStages }, (_, s) => ({ name: `q${s + 1}`, prev: s === 0 ? "e" : `q${s}`, first: s === 0 })),
    lastQ,
    // Dense pipe_empty one cycle ahead: the bias and requantizer stages but the last must be empty now.
    pipeIdleAhead: ["d_v", "e_v", ...Array.from({ length: plan.requantStages - 1 }, (_, s) => `q${s + 1}_v`)].map((v) => `!${v}`).join(" && "),
    firstOneInput: plan.layers[0]!.nIn === 1 ? 1 : 0,
    // Dense: the MAC stage can stall only when a layer with more than one group has fewer inputs than
    // lanes (the previous group's drain, P values, then outlasts the next group's N_in cycles).
    canStall: plan.layers.some((l) => l.groups > 1 && l.nIn < plan.lanes),
    logitBits: plan.logitBits,
    classBits: plan.classBits,
    classes: plan.classes,
    inputBits: plan.inputBits,
    inputFeatures: plan.inputFeatures,
    lastLayer: plan.layers.length - 1,
    lastClass: plan.classes - 1,
    xPadBits: plan.accBits - plan.actBits,
    termBits: plan.termBits,
    termPad: plan.termBits < plan.accBits ? `${plan.accBits - plan.termBits}'d0, ` : "",
    x2Term: zeroExtend("x2", plan.actBits, plan.termBits),
    streamExt: zeroExtend(iface.input.tdataBits > plan.inputBits ? `s_axis_tdata[${plan.inputBits - 1}:0]` : "s_axis_tdata", plan.inputBits, plan.actBits),
    laneTerm,
    msbUnused: true,
    // With one lane the drain never holds more than one value, so the MAC stage never stalls.
    drainBusy: plan.lanes === 1 ? "1'b0" : `(drain_cnt > ${plan.drainCountBits}'d1)`,
    // Dense designs register drain_busy: its value after a drain load and after a drain step.
    groupBig2: plan.lanes === 1 ? "1'b0" : `(group_size2 > ${plan.drainCountBits}'d1)`,
    drainBusyAhead: plan.lanes === 1 ? "1'b0" : `(drain_cnt > ${plan.drainCountBits}'d2)`,
    accWiderThanLogit: plan.accBits > plan.logitBits,
    addrWiderThanClass: plan.addrBits > plan.classBits,
    layers: plan.layers.map((l) => layerView(plan, l)),
    sharedRequant: plan.requantSharing.mode === "shared" ? sharedRequantView(plan, plan.requantSharing.shared!) : null,
    buffers: plan.buffers.map((b) => {
      const writers = plan.layers.filter((l) => l.writeBuffer === b.index);
      return {
        index: b.index,
        depth: b.depth,
        addrBits: b.addrBits,
        takesStream: b.index === 0,
        secondRead: b.secondRead,
        streamCond: walk ? "in_take" : "issue && stream_phase",
        streamAddr: walk ? "ld_addr" : "is_j",
        drainWriteCond: writers.length ? writers.map((l) => `${walk ? "drain" : lastQ}_layer == ${layerBits}'d${l.index}`).join(" || ") : "1'b0",
      };
    }),
  };
}


/** "784-256-10 (3 levels, ...)" for dense networks; "28x28x1 conv3x3:16+pool2/2 ... fc10 (...)" with convolutions. */
export function netSummary(plan: RtlPlan): string {
  const levels = `(${plan.layers.map((l) => `${l.levels} levels`).join(", ")}), ${plan.inputBits}-bit input`;
  if (!plan.walk) return `${plan.inputFeatures}-${plan.layers.map((l) => l.nOut).join("-")} ${levels}`;
  const shape = (l: LayerPlan) => (l.stage.source === "dense" ? `fc${l.nOut}` : `conv${l.walk.kernel}x${l.walk.kernel}:${l.nOut}${l.walk.poolSize > 1 ? `+pool${l.walk.poolSize}/${l.walk.poolStride}` : ""}`);
  const w = plan.layers[0]!.walk;
  return `${w.height}x${w.width}x${w.channels} ${plan.layers.map(shape).join(" ")} ${levels}`;
}
