/**
 * View models of the dataflow templates: plain values and pre-formatted Verilog fragments computed
 * from the plan (widths, counts, constants, sign extensions); the templates only paste them.
 */
import { unsignedBits } from "../../ir/analyze.js";
import type { Network } from "../../ir/schema.js";
import type { ManifestInterface } from "../bundle/manifest.js";
import { TOOL_VERSION } from "../common/bundle.js";
import { MEM_DIR_PARAM } from "../common/axis.js";
import { portDecls } from "../common/testbench.js";
import { signExtend, zeroExtend } from "../common/verilog.js";
import { biasRomFile, weightRomFile } from "./mem.js";
import { addrBitsFor, type BufferPlan, type DfLayerPlan, type DfPlan } from "./plan.js";
import { positionBounds, type WindowPlan } from "./window.js";
import { addModuleName, laneModuleName, pairModuleName, peModules } from "./pe-modules.js";
import { dfRequantView } from "./requant.js";

/** A constant of `bits` bits (values taken modulo 2^bits, e.g. negative address offsets). */
const konst = (bits: number, v: number): string => `${bits}'d${((v % 2 ** bits) + 2 ** bits) % 2 ** bits}`;

/**
 * One per-group constant of a window position: a literal when every group has the same value, else
 * a wire array indexed by the group counter (declared through `tables`).
 */
function groupValue(name: string, bits: number, values: number[], index: string, tables: Array<{ name: string; width: number; last: number; values: string[] }>): string {
  if (values.every((v) => v === values[0])) return konst(bits, values[0]!);
  tables.push({ name, width: bits, last: values.length - 1, values: values.map((v) => konst(bits, v)) });
  return `${name}[${index}]`;
}

/** View of a conv layer's sliding-window generator (templates/df-window.v.hbs). */
function windowView(l: DfLayerPlan, w: WindowPlan, idx: string) {
  const b = l.buffer;
  const hasPool = w.poolSize > 1;
  const maxOy = (w.gridHeight - 1) * w.poolStride + w.poolSize - 1;
  const maxOx = (w.gridWidth - 1) * w.poolStride + w.poolSize - 1;
  const bounds = w.positions.map((row) => row.map((pos) => positionBounds(w, pos)));
  const all = bounds.flat();
  const yBits = unsignedBits(Math.max(1, maxOy, w.poolStride, ...all.map((c) => Math.max(c.yLo, c.yHi))));
  const xBits = unsignedBits(Math.max(1, maxOx, w.poolStride, ...all.map((c) => Math.max(c.xLo, c.xHi))));
  const q = w.chunks > 1 ? `q_${idx}` : `sf_${idx}`;
  const A = b.addrBits;
  const copyList = Array.from({ length: w.copies }, (_, t) => {
    const tables: Array<{ name: string; width: number; last: number; values: string[] }> = [];
    const col = bounds.map((row) => row[t]!);
    // A position outside the map for every group (yHi or xHi 0 throughout) is never read: constant zero.
    const never = col.every((c) => c.yHi === 0) || col.every((c) => c.xHi === 0);
    const terms: string[] = [];
    if (!never) {
      if (col.some((c) => c.yLo > 0)) terms.push(`(oy_${idx} >= ${groupValue(`ylo_${idx}_c${t}`, yBits, col.map((c) => c.yLo), q, tables)})`);
      if (col.some((c) => c.yHi <= maxOy)) terms.push(`(oy_${idx} < ${groupValue(`yhi_${idx}_c${t}`, yBits, col.map((c) => c.yHi), q, tables)})`);
      if (col.some((c) => c.xLo > 0)) terms.push(`(ox_${idx} >= ${groupValue(`xlo_${idx}_c${t}`, xBits, col.map((c) => c.xLo), q, tables)})`);
      if (col.some((c) => c.xHi <= maxOx)) terms.push(`(ox_${idx} < ${groupValue(`xhi_${idx}_c${t}`, xBits, col.map((c) => c.xHi), q, tables)})`);
    }
    const offset = groupValue(`off_${idx}_c${t}`, A, col.map((c) => c.offset), q, tables);
    return { copy: t, bufName: w.copies > 1 ? `buf_${idx}_c${t}` : `buf_${idx}`, tables, valid: never ? "1'b0" : terms.length ? terms.join(" && ") : "1'b1", offset };
  });
  const dxAddr = xBits <= A ? zeroExtend(`dx_${idx}`, xBits, A) : `dx_${idx}[${A - 1}:0]`;
  const masked = (t: number) => `(ok1_${idx}_c${t} ? buf_q_${idx}_c${t} : ${b.width}'d0)`;
  return {
    ...w,
    hasPool,
    hasChunks: w.chunks > 1,
    qBits: addrBitsFor(w.groups),
    yBits,
    xBits,
    lastDx: hasPool ? `(dx_${idx} == ${xBits}'d${w.poolSize - 1})` : "1'b1",
    lastWin: hasPool ? `last_dx_${idx} && (dy_${idx} == ${yBits}'d${w.poolSize - 1})` : "1'b1",
    lastXb: (w.gridWidth - 1) * w.poolStride,
    lastYb: (w.gridHeight - 1) * w.poolStride,
    poolStrideX: konst(xBits, w.poolStride),
    poolStrideY: konst(yBits, w.poolStride),
    poolStrideA: konst(A, w.poolStride),
    widthA: konst(A, w.width),
    rowStepA: konst(A, w.poolStride * w.width),
    oyExpr: hasPool ? `yb_${idx} + dy_${idx}` : `yb_${idx}`,
    oxExpr: hasPool ? `xb_${idx} + dx_${idx}` : `xb_${idx}`,
    pixExpr: hasPool ? `pixb_${idx} + dyw_${idx} + ${dxAddr}` : `pixb_${idx}`,
    copyList,
    usesOy: copyList.some((c) => c.valid.includes(`oy_${idx}`)),
    usesOx: copyList.some((c) => c.valid.includes(`ox_${idx}`)),
    x1Expr: w.copies > 1 ? `{ ${Array.from({ length: w.copies }, (_, t) => masked(w.copies - 1 - t)).join(", ")} }` : masked(0),
  };
}

function bufferView(b: BufferPlan, idx: string) {
  const beatBits = b.producerWidth * b.valueBits;
  const u = b.collectBeats;
  const holdBits = (u - 1) * beatBits;
  const colBits = addrBitsFor(u);
  const chBits = addrBitsFor(b.chunks);
  const wordBits = addrBitsFor(b.wordsPerImage);
  const hold = `bw_hold_${idx}`;
  return {
    ...b,
    block: b.style === "block",
    beatBits,
    wordBits,
    lastWord: b.wordsPerImage - 1,
    lastAddr: b.depth - 1,
    lastBank: b.banks - 1,
    lastBase: b.depth - b.wordsPerImage,
    hasCollect: u > 1,
    colBits,
    lastCol: u - 1,
    holdBits,
    holdNext: u === 2 ? `in_d_${idx}` : `{ in_d_${idx}, ${hold}[${holdBits - 1}:${beatBits}] }`,
    colLastCond: u > 1 ? ` && (bw_col_${idx} == ${colBits}'d${u - 1})` : "",
    wordData: u > 1 ? `{ in_d_${idx}, ${hold} }` : `in_d_${idx}`,
    hasChunks: b.chunks > 1,
    chBits,
    abortWord: zeroExtend(`bw_word_${idx}`, wordBits, b.addrBits),
    lastChunk: b.chunks - 1,
    wordEnd: b.chunks > 1 ? `(ch_${idx} == ${chBits}'d${b.chunks - 1})` : "1'b1",
  };
}

/** Verilator stops unrolling a generate loop of more than about 1,600 instances ("Loop unrolling
 * took too long"), so a longer loop is written as blocks of LOOP_BLOCK iterations: the outer
 * loop over blocks, the inner one over the block's share of the range. Shorter loops stay flat. */
const LOOP_BLOCK = 1000;
function loopBlocks(count: number): { blocks: number; size: number } | null {
  return count > LOOP_BLOCK ? { blocks: Math.ceil(count / LOOP_BLOCK), size: LOOP_BLOCK } : null;
}

function layerView(plan: DfPlan, l: DfLayerPlan) {
  const i = l.index;
  const idx = `l${i}`;
  const wb = l.weightBits;
  const gp = `gp_${idx}`;
  const gr = `gr_${idx}`;
  // Adder tree as separate modules (docs/dataflow.md, "PE structure"): level 1 is pairs of lanes
  // (both lanes and their adder in one module, so the lane logic shares the adder's LUTs), a lone
  // lane when SIMD is odd; every higher node is a two-input adder module. Kept as hierarchy, each
  // node maps to one carry chain instead of being merged into one carry-save multi-operand sum.
  const laneBits = l.tree[0]!.width;
  const pairs = Math.floor(l.simd / 2);
  const pairBlocks = loopBlocks(pairs);
  const lone = l.simd % 2 === 1;
  const level1 = l.simd >= 2 ? l.tree[1]! : { count: 1, width: laneBits };
  const tree = l.tree.slice(2).map((lv, k) => {
    const prev = l.tree[k + 1]!;
    const level = k + 2;
    const node = (j: string) => signExtend(`t${level - 1}[${j}]`, `t${level - 1}[${j}][${prev.width - 1}]`, prev.width, lv.width);
    return {
      layer: i,
      level,
      width: lv.width,
      countMinus1: lv.count - 1,
      pairs: Math.floor(prev.count / 2),
      blocks: loopBlocks(Math.floor(prev.count / 2)),
      a: node(`2*gj_${idx}`),
      b: node(`2*gj_${idx}+1`),
      odd: prev.count % 2 === 1,
      oddExpr: node(`${prev.count - 1}`),
    };
  });
  const top = l.tree.length > 1 ? l.tree[l.tree.length - 1]! : level1;
  const topLevel = Math.max(1, l.tree.length - 1);
  const bb = l.biasBits;
  const rq = l.requant;
  const drainShift = l.drainBeats > 1;
  const dcBits = addrBitsFor(l.drainBeats);
  const src = `db_${idx}[${gr}*${l.accBits} +: ${l.accBits}]`;
  const next = plan.layers[i + 1];
  const win = l.window ? windowView(l, l.window, idx) : null;
  const pooled = win !== null && win.hasPool;
  const blocked = pairBlocks !== null || tree.some((t) => t.blocks !== null);
  const genvars = [l.buffer.chunks > 1 ? "gc" : "", "gp", pairs > 0 ? "gs" : "", tree.some((t) => t.pairs > 0) ? "gj" : "", blocked ? "gb" : "", pooled ? "gm" : "", "gr"].filter(Boolean).map((g) => `${g}_${idx}`).join(", ");
  return {
    index: i,
    isFirst: i === 0,
    genvars,
    name: l.name,
    nIn: l.nIn,
    nOut: l.nOut,
    levels: l.levels,
    pe: l.pe,
    simd: l.simd,
    simdMinus1: l.simd - 1,
    nf: l.nf,
    sf: l.sf,
    interval: l.interval,
    buf: bufferView(l.buffer, idx),
    win,
    pool: pooled ? { size: l.window!.poolSize, stride: l.window!.poolStride } : null,
    drainFire: pooled ? `v2_${idx} && last2_${idx} && plast2_${idx}` : `v2_${idx} && last2_${idx}`,
    drainSrc: pooled ? `pres_${idx}` : `res_${idx}`,
    nfBits: l.nfBits,
    sfBits: l.sfBits,
    lastNf: l.nf - 1,
    lastSf: l.sf - 1,
    weightRomAddrBits: l.weightRomAddrBits,
    weightRomWidth: l.weightRomWidth,
    credBits: unsignedBits(next ? next.buffer.banks : plan.output.buffer.banks),
    credInit: next ? next.buffer.banks : plan.output.buffer.banks,
    nextRelease: next ? `rel_l${i + 1}` : "out_rel",
    wqBits: l.pe * l.weightRomWidth,
    pes: Array.from({ length: l.pe }, (_, p) => ({
      layer: i,
      pe: p,
      width: l.weightRomWidth,
      depth: l.weightRomDepth,
      lo: p * l.weightRomWidth,
      block: l.weightRomStyle === "block",
      file: weightRomFile(plan, l, p),
    })),
    biasRomWidth: l.biasRomWidth,
    biasFile: biasRomFile(plan, l),
    chunkBits: l.simd * l.inBits,
    resBits: l.pe * l.accBits,
    laneBits,
    weightBits: wb,
    inBits: l.inBits,
    pairName: pairModuleName(plan, l),
    loneName: laneModuleName(plan, l),
    pairs,
    pairBlocks,
    lone,
    level1Bits: level1.width,
    level1CountMinus1: level1.count - 1,
    pairWBits: 2 * wb,
    pairXBits: 2 * l.inBits,
    loneW: `wa_${idx}[(${gp}*${l.simd} + ${l.simd - 1})*${wb} +: ${wb}]`,
    loneX: `xa_${idx}[${(l.simd - 1) * l.inBits} +: ${l.inBits}]`,
    loneExt: signExtend("lone", `lone[${laneBits - 1}]`, laneBits, level1.width),
    tree,
    topNode: `t${topLevel}[0]`,
    topBits: top.width,
    sumExpr: signExtend("s2", `s2[${top.width - 1}]`, top.width, l.accBits),
    accBits: l.accBits,
    biasAtFold: l.biasAt === "fold",
    accStart: l.biasAt === "fold" ? signExtend(`bq2_${idx}[${gp}*${bb} +: ${bb}]`, `bq2_${idx}[${gp}*${bb} + ${bb - 1}]`, bb, l.accBits) : `${l.accBits}'sd0`,
    biasExpr: signExtend(`bw_${idx}[${gr}*${bb} +: ${bb}]`, `bw_${idx}[${gr}*${bb} + ${bb - 1}]`, bb, l.accBits),
    biasRomDepth: l.biasRomDepth,
    biasAddrBits: addrBitsFor(l.biasRomDepth),
    lastBiasAddr: l.biasRomDepth - 1,
    dbBits: l.outWidth * l.accBits,
    outWidth: l.outWidth,
    drainBeats: l.drainBeats,
    drainShift,
    dcBits,
    dcLastCond: drainShift ? ` && dc_${idx} == ${dcBits}'d${l.drainBeats - 1}` : "",
    lastDrainBeat: l.drainBeats - 1,
    outWidthMinus1: l.outWidth - 1,
    odBits: l.outWidth * l.outBits,
    outBits: l.outBits,
    requant: rq ? dfRequantView(rq, idx, src, l.accBits, addModuleName(plan), `layer ${i} output ${gr}`) : null,
    accWiderThanOut: l.accBits > l.outBits,
    accMinusOut: l.accBits - l.outBits,
  };
}

/** A lane's view (the dataflow-lane partial): `target` = ones'-complement lane of input `xSel` by weight `wSel`. */
function laneView(l: DfLayerPlan, xSel: string, wSel: string, target: string) {
  const wb = l.weightBits;
  const magBits = unsignedBits(l.laneMax);
  // Lane magnitude |w| * x as a sum of shifted copies of x (ternary: x or 0).
  const magExpr =
    l.levels === 3
      ? `(w[0] ? ${zeroExtend("x", l.inBits, magBits)} : ${magBits}'d0)`
      : Array.from({ length: wb - 1 }, (_, b) => {
          const pad = magBits - l.inBits - b;
          const parts = [pad > 0 ? `${pad}'d0` : "", "x", b > 0 ? `${b}'d0` : ""].filter(Boolean);
          return `(wabs[${b}] ? ${parts.length > 1 ? `{ ${parts.join(", ")} }` : "x"} : ${magBits}'d0)`;
        }).join(" + ");
  return { xSel, wSel, target, inBits: l.inBits, weightBits: wb, weightMsb: wb - 1, mLevel: l.levels !== 3, magWeightBits: wb - 1, magWeightMsb: wb - 2, magBits, magExpr, laneBits: l.tree[0]!.width };
}

/** The PE tree module files (pe-modules.ts) with their templates and views. */
export function peModuleFiles(plan: DfPlan): Array<{ path: string; template: string; view: object }> {
  return peModules(plan).map((m) => {
    const head = { name: m.name, top: plan.top, toolVersion: TOOL_VERSION };
    const path = `rtl/${m.name}.v`;
    if (m.kind === "add") return { path, template: "dataflow-add", view: { ...head, what: "two-input adder of the PE adder trees" } };
    const l = plan.layers[m.layer!]!;
    const laneBits = l.tree[0]!.width;
    if (m.kind === "lane") return { path, template: "dataflow-lone", view: { ...head, what: `odd SIMD lane of layer ${l.index}`, layer: l.index, inBits: l.inBits, weightBits: l.weightBits, laneBits, loneLane: laneView(l, "xi", "wi", "y") } };
    const pairBits = l.tree[1]!.width;
    return {
      path,
      template: "dataflow-pair",
      view: {
        ...head,
        what: `lane pair of layer ${l.index}`,
        layer: l.index,
        inBits: l.inBits,
        weightBits: l.weightBits,
        laneBits,
        pairXBits: 2 * l.inBits,
        pairWBits: 2 * l.weightBits,
        pairBits,
        pairLane: laneView(l, `xi[g*${l.inBits} +: ${l.inBits}]`, `wi[g*${l.weightBits} +: ${l.weightBits}]`, "t[g]"),
        pairA: signExtend("t[0]", `t[0][${laneBits - 1}]`, laneBits, pairBits),
        pairB: signExtend("t[1]", `t[1][${laneBits - 1}]`, laneBits, pairBits),
      },
    };
  });
}

/** Comparator tree over one beat of logits: larger value wins, the lower index on ties. */
function argmaxNodes(width: number, logitBits: number, elBits: number) {
  const nodes: Array<{ id: number; v: string; i: string }> = [];
  let level = Array.from({ length: width }, (_, j) => {
    nodes.push({ id: nodes.length, v: `ow_d[${j * logitBits} +: ${logitBits}]`, i: `${elBits}'d${j}` });
    return nodes.length - 1;
  });
  while (level.length > 1) {
    const nextLevel: number[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) {
      const a = level[j]!;
      const b = level[j + 1]!;
      const id = nodes.length;
      nodes.push({ id, v: `(am_v${b} > am_v${a}) ? am_v${b} : am_v${a}`, i: `(am_v${b} > am_v${a}) ? am_i${b} : am_i${a}` });
      nextLevel.push(id);
    }
    if (level.length % 2 === 1) nextLevel.push(level[level.length - 1]!);
    level = nextLevel;
  }
  return { nodes, top: level[0]! };
}

const layerSummary = (l: DfLayerPlan): string => {
  const w = l.window;
  if (!w) return String(l.nOut);
  const pool = w.pooled ? ` pool ${w.poolSize}/${w.poolStride}` : "";
  return `conv${w.kernel}x${w.kernel}p${w.padding}:${l.nOut}${pool}`;
};

export function netSummary(plan: DfPlan): string {
  const first = plan.layers[0]!.window;
  const input = first ? `${first.height}x${first.width}x${first.channels}` : String(plan.inputFeatures);
  return `${input}-${plan.layers.map(layerSummary).join("-")} (${plan.layers.map((l) => `${l.levels} levels`).join(", ")}), ${plan.inputBits}-bit input`;
}

export const foldSummary = (plan: DfPlan): string =>
  `input ${plan.folding.inputPerBeat}/beat; ${plan.layers.map((l) => `${l.name} PE ${l.pe} x SIMD ${l.simd} (${l.interval} cycles)`).join(", ")}`;

export function acceleratorView(plan: DfPlan, net: Network, iface: ManifestInterface) {
  const out = plan.output;
  const ob = out.buffer;
  const elBits = addrBitsFor(ob.wordValues);
  const am = argmaxNodes(ob.wordValues, out.logitBits, elBits);
  const last = plan.layers[plan.layers.length - 1]!;
  const used = plan.folding.inputPerBeat * plan.inputBits;
  const outW = iface.output.tdataBits;
  const flagSlots = plan.layers.reduce((n, l) => n + l.buffer.banks, 0) + ob.banks;
  const extend = (v: string) => signExtend(v, `${v}[${out.logitBits - 1}]`, out.logitBits, outW);
  return {
    toolVersion: TOOL_VERSION,
    top: plan.top,
    addName: addModuleName(plan),
    ports: portDecls(iface),
    moduleParams: [{ name: MEM_DIR_PARAM, value: '"mem/"', comment: "folder of the ROM images ($readmemh), relative to the working directory" }],
    // The axis-input partial: used tdata bits and the byte padding above them.
    inputBits: used,
    inputTopBit: iface.input.tdataBits - 1,
    inputPadBits: iface.input.tdataBits > used,
    inputTdataBits: iface.input.tdataBits,
    inputData: iface.input.tdataBits > used ? `s_axis_tdata[${used - 1}:0]` : "s_axis_tdata",
    valueBits: plan.inputBits,
    outputTdataBits: outW,
    firstBuf: bufferView(plan.layers[0]!.buffer, "l0"),
    logitExtEl: extend("or_vals[or_el]"),
    logitExtWord: extend("obuf[or_ptr]"),
    flagSlots,
    flagBits: addrBitsFor(flagSlots),
    lastFlagSlot: flagSlots - 1,
    netName: net.name,
    netSummary: netSummary(plan),
    foldSummary: foldSummary(plan),
    interval: plan.interval,
    latency: plan.latency,
    inputPerBeat: plan.folding.inputPerBeat,
    inputBeats: plan.inputBeats,
    classes: out.classes,
    classBits: out.classBits,
    logitBits: out.logitBits,
    layers: plan.layers.map((l) => layerView(plan, l)),
    links: plan.layers.slice(1).map((l) => ({ from: l.index - 1, to: l.index })),
    lastLayer: last.index,
    out: {
      ...ob,
      wordBits: addrBitsFor(ob.wordsPerImage),
      lastWord: ob.wordsPerImage - 1,
      lastAddr: ob.depth - 1,
      lastBank: ob.banks - 1,
      elements: ob.wordValues,
      hasElements: ob.wordValues > 1,
      hasBase: ob.wordsPerImage > 1,
      elBits,
      lastEl: ob.wordValues - 1,
    },
    argmax: am.nodes,
    argmaxTop: am.top,
    candExpr: ob.wordsPerImage > 1 ? `ow_base + ${zeroExtend(`am_i${am.top}`, elBits, out.classBits)}` : zeroExtend(`am_i${am.top}`, elBits, out.classBits),
  };
}

