/**
 * A pure simulation of the mac-array's schedule for designs with convolutions: one sample run
 * through the lane groups (lane-order.ts) as the RTL issues them, with the RTL's data: the ROM
 * images as written into the bundle (weights packed per lane or per channel and rotated by the
 * group's phase, one bias per channel added in the drain), the two window walkers' padded-frame
 * addresses from the plan's walk constants (the second one a step or a row wrap ahead), the
 * padding test on their row/column counters, max-pooling on the accumulators, and the drain's
 * channel counter. It states the schedule executably and is tested against the reference
 * (test/mac-array-schedule.test.ts); the co-simulation tests then hold the RTL to the same integers.
 */
import { requantize } from "../../reference/infer.js";
import { unpackWord } from "../common/rom.js";
import { laneChannel, laneGroups } from "./lane-order.js";
import type { LayerPlan, RtlPlan } from "./plan.js";

export interface LayerRoms {
  weights: readonly string[];
  biases: readonly string[];
}

/** The weight of lane k for input j of a group (phase r, weight block g), read from the ROM image. */
function laneWeights(l: LayerPlan, lanes: number, rom: readonly string[]): (block: number, phase: number, j: number, k: number) => number {
  const slots = l.laneOrder === "outputs" ? l.nOut : lanes;
  const words = rom.map((w) => unpackWord(w, slots, l.weightBits));
  if (l.laneOrder === "channels") return (block, _phase, j, k) => words[block * l.nIn + j]![k]!;
  // The word doubled and shifted by the phase: slot r + k of {word, word}.
  return (_block, phase, j, k) => words[j]![(phase + k) % l.nOut]!;
}

/** Padded-frame row, column and address of window input j of conv pixel (oy, ox). */
function frame(l: LayerPlan, oy: number, ox: number, j: number): { iy: number; ix: number; a: number } {
  const w = l.walk;
  const ci = j % w.channels;
  const kk = (j - ci) / w.channels;
  const kx = kk % w.kernel;
  const ky = (kk - kx) / w.kernel;
  const iy = oy + ky;
  const ix = ox + kx;
  return { iy, ix, a: (iy * w.width + ix) * w.channels + ci };
}

function read(l: LayerPlan, x: ArrayLike<number>, iy: number, ix: number, a: number): number {
  const w = l.walk;
  const real = iy >= w.padding && iy < w.height + w.padding && ix >= w.padding && ix < w.width + w.padding;
  return real ? x[a - w.padOffset]! : 0;
}

function runLayer(plan: RtlPlan, l: LayerPlan, roms: LayerRoms, x: ArrayLike<number>): number[] {
  const P = plan.lanes;
  const w = l.walk;
  const weight = laneWeights(l, P, roms.weights);
  const bias = roms.biases.map((b) => unpackWord(b, 1, l.biasBits)[0]!);
  const out = new Array<number>(l.outValues);
  for (const g of laneGroups(l.laneOrder, l.pixels, l.nOut, P)) {
    const py = Math.floor(g.pixel / w.outWidth);
    const px = g.pixel % w.outWidth;
    const rowEnd = px === w.outWidth - 1;
    const pmax = new Array<number>(P).fill(-Infinity);
    for (let wy = 0; wy < w.poolSize; wy++)
      for (let wx = 0; wx < w.poolSize; wx++) {
        const acc = new Array<number>(P).fill(0);
        for (let j = 0; j < l.nIn; j++) {
          const A = frame(l, py * w.poolStride + wy, px * w.poolStride + wx, j);
          const xa = read(l, x, A.iy, A.ix, A.a);
          const n = w.next;
          const xb = n ? read(l, x, A.iy + (rowEnd ? w.poolStride : 0), rowEnd ? A.ix - n.ixWrap : A.ix + w.poolStride, A.a + (rowEnd ? n.wrap : n.step)) : 0;
          for (let k = 0; k < g.size; k++) acc[k]! += weight(g.block, g.phase, j, k) * (laneChannel(l.laneOrder, l.nOut, g.phase, k).next ? xb : xa);
        }
        for (let k = 0; k < g.size; k++) pmax[k] = Math.max(pmax[k]!, acc[k]!);
      }
    // Drain: lane i's value plus the bias of its channel (a counter from the phase, wrapping at C).
    for (let i = 0, c = g.phase; i < g.size; i++, c = c + 1 === l.nOut ? 0 : c + 1) {
      const v = pmax[i]! + bias[c]!;
      const o = l.stage.output;
      out[g.base + i] = o.kind === "requant" ? requantize(v, o.multiplier, o.shift, o.bits) : v;
    }
  }
  return out;
}

/** The logits of one sample through the schedule (plan with windows; roms per layer as in the bundle). */
export function simulateSchedule(plan: RtlPlan, roms: readonly LayerRoms[], input: ArrayLike<number>): number[] {
  let x: ArrayLike<number> = input;
  plan.layers.forEach((l, i) => (x = runLayer(plan, l, roms[i]!, x)));
  return Array.from(x);
}
