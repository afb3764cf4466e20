/**
 * The folding solver: picks PE and SIMD per layer (and the input port width) from the analytic
 * cost model. For a target interval T every stage must finish an image in at most T cycles:
 * NF * SF <= T per layer (PE | N_out, SIMD | N_in), input beats N_in / K <= T, and the output port's
 * one logit per beat (classes <= T). Layers are independent given T, so each takes its cheapest
 * folding that meets T (estimated LUTs; ties: fewer lanes, then fewer PEs). Weight memories keep
 * one read port per PE, so any folding the divisibility rules allow is buildable.
 * Targets: an interval, frames per second at a clock, or a LUT budget (the shortest interval whose
 * cheapest folding fits, searched over every interval some layer can take).
 */
import { analyze, isWeightInfo, type WeightLayerInfo } from "../../ir/analyze.js";
import type { Network } from "../../ir/schema.js";
import { TritforgeError } from "../../util/errors.js";
import { convSimdChoices, divisors, type Folding, type LayerFold } from "./fold.js";
import { DF_COEFFICIENTS, layerFeatures, predictDf, estimatePlan, type DfCoefficients, type DfEstimate } from "./features.js";
import { bufferFor, planDataflow, planLayer, windowBufferFor, type DfPlan } from "./plan.js";
import { lowerNetwork } from "../lower/lower.js";
import type { LoweredStage } from "../lower/types.js";

export type SolverTarget = { kind: "interval"; cycles: number } | { kind: "fps"; fps: number; clockMHz: number } | { kind: "luts"; luts: number };

export interface Solution {
  folding: Folding;
  plan: DfPlan;
  estimate: DfEstimate;
  /** The interval the solver aimed at (the plan's may be shorter). */
  targetInterval: number;
}

interface Candidate {
  fold: LayerFold;
  /** NF * SF: cycles per image. */
  interval: number;
  lut: number;
  lanes: number;
}

function layerCandidates(info: WeightLayerInfo, stage: LoweredStage, index: number, isLast: boolean, c: DfCoefficients): Candidate[] {
  const nIn = stage.fanIn;
  const nOut = stage.outChannels;
  const conv = stage.source === "conv2d";
  const simds = conv ? convSimdChoices(stage.window.kernel, stage.window.input.channels) : divisors(nIn);
  const out: Candidate[] = [];
  for (const pe of divisors(nOut))
    for (const simd of simds) {
      const l = planLayer(info, index, pe, simd, isLast, stage);
      // Priced as fed one value per beat (the usual producer: a drain with one requantizer).
      const buffer = l.window ? windowBufferFor(1, l.window, info.inBits, 2) : bufferFor(1, simd, nIn, info.inBits, 2);
      const f = layerFeatures({ ...l, buffer });
      out.push({ fold: { pe, simd }, interval: l.interval, lut: predictDf(f, c.lut), lanes: pe * simd });
    }
  return out;
}

const better = (a: Candidate, b: Candidate): boolean => a.lut < b.lut - 1e-9 || (Math.abs(a.lut - b.lut) <= 1e-9 && (a.lanes < b.lanes || (a.lanes === b.lanes && a.fold.pe < b.fold.pe)));

interface Prepared {
  infos: WeightLayerInfo[];
  /** Input values per beat the first layer allows (a conv layer: divisors of its input channels). */
  inputWidths: number[];
  inputFeatures: number;
  classes: number;
  candidates: Candidate[][];
}

function prepare(net: Network, c: DfCoefficients): Prepared {
  const lowered = lowerNetwork(net);
  if (!lowered.ok) throw new TritforgeError(lowered.refusal);
  const stages = lowered.network.stages;
  const infos = analyze(net).filter(isWeightInfo) as WeightLayerInfo[];
  const inputFeatures = net.input.shape.reduce((a, b) => a * b, 1);
  const first = stages[0]!;
  return {
    infos,
    inputWidths: divisors(first.source === "conv2d" ? first.window.input.channels : inputFeatures),
    inputFeatures,
    classes: lowered.network.classes,
    candidates: infos.map((info, i) => layerCandidates(info, stages[i]!, i, i === infos.length - 1, c)),
  };
}

function foldingFor(p: Prepared, T: number, inputPerBeat: number | undefined): Folding {
  if (T < p.classes) throw new TritforgeError(`target interval ${T} cycles cannot be met: the output port sends ${p.classes} logits one per beat, so the interval is at least ${p.classes}`);
  let k = inputPerBeat;
  if (k === undefined) {
    k = p.inputWidths.find((d) => p.inputFeatures / d <= T);
    if (k === undefined)
      throw new TritforgeError(`target interval ${T} cycles cannot be met: the input port takes at least ${p.inputFeatures / p.inputWidths[p.inputWidths.length - 1]!} beats per image (a conv first layer reads whole pixels)`);
  } else if (p.inputFeatures / k > T)
    throw new TritforgeError(`target interval ${T} cycles cannot be met: ${p.inputFeatures / k} input beats of ${k} value(s) per image take longer (raise --input-per-beat)`);
  const layers = p.candidates.map((cands, i) => {
    let best: Candidate | null = null;
    for (const cand of cands) if (cand.interval <= T && (!best || better(cand, best))) best = cand;
    if (!best) {
      const fastest = Math.min(...cands.map((x) => x.interval));
      throw new TritforgeError(`target interval ${T} cycles cannot be met: layer ${i} (${p.infos[i]!.layer.name}) takes at least ${fastest} cycles per image at its most parallel folding`);
    }
    return best.fold;
  });
  return { inputPerBeat: k, layers };
}

function solution(net: Network, folding: Folding, T: number, c: DfCoefficients): Solution {
  const plan = planDataflow(net, folding);
  return { folding, plan, estimate: estimatePlan(plan, c), targetInterval: T };
}

/** Every interval some stage can take (the only values at which the cheapest folding changes). */
function candidateIntervals(p: Prepared): number[] {
  const set = new Set<number>([p.classes]);
  for (const cands of p.candidates) for (const c of cands) set.add(c.interval);
  for (const d of p.inputWidths) set.add(p.inputFeatures / d);
  return [...set].filter((t) => t >= p.classes).sort((a, b) => a - b);
}

export function solveFolding(net: Network, target: SolverTarget, o: { inputPerBeat?: number; coefficients?: DfCoefficients } = {}): Solution {
  const c = o.coefficients ?? DF_COEFFICIENTS;
  const p = prepare(net, c);
  if (target.kind === "interval") {
    if (!Number.isInteger(target.cycles) || target.cycles < 1) throw new TritforgeError(`--target-interval must be a whole number of cycles >= 1, got ${target.cycles}`);
    return solution(net, foldingFor(p, target.cycles, o.inputPerBeat), target.cycles, c);
  }
  if (target.kind === "fps") {
    if (!(target.fps > 0) || !(target.clockMHz > 0)) throw new TritforgeError(`--target-fps and --clock must be positive, got ${target.fps} and ${target.clockMHz}`);
    const T = Math.floor((target.clockMHz * 1e6) / target.fps);
    if (T < 1) throw new TritforgeError(`--target-fps ${target.fps} at ${target.clockMHz} MHz needs less than one cycle per image`);
    return solution(net, foldingFor(p, T, o.inputPerBeat), T, c);
  }
  let cheapest: Solution | null = null;
  for (const T of candidateIntervals(p)) {
    let f: Folding;
    try {
      f = foldingFor(p, T, o.inputPerBeat);
    } catch {
      continue;
    }
    const s = solution(net, f, T, c);
    if (s.estimate.lut <= target.luts) return s;
    if (!cheapest || s.estimate.lut < cheapest.estimate.lut) cheapest = s;
  }
  throw new TritforgeError(
    `no folding fits ${target.luts} LUT: the cheapest (interval ${cheapest?.plan.interval ?? "?"} cycles) is estimated at ${Math.round(cheapest?.estimate.lut ?? NaN)} LUT`,
  );
}
