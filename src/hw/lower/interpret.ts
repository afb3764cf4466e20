/**
 * A tiny interpreter of the lowered form: evaluates one sample stage by stage using only the
 * addressing rules of address.ts. It exists to test the lowering against the reference model
 * (they must agree on every integer) and as an executable statement of what a stage computes.
 */
import { requantize } from "../../reference/infer.js";
import { hwcIndex, poolOrigin, windowAddress } from "./address.js";
import type { LoweredNetwork, LoweredStage } from "./types.js";
import { mapSize } from "./types.js";

/** Accumulators (or requantized values) of a stage before pooling, HWC over its window grid. */
function product(stage: LoweredStage, x: ArrayLike<number>): number[] {
  const { window: w, fanIn, outChannels } = stage;
  const y = new Array<number>(stage.pixels * outChannels);
  for (let oy = 0; oy < w.outHeight; oy++)
    for (let ox = 0; ox < w.outWidth; ox++)
      for (let o = 0; o < outChannels; o++) {
        let acc = stage.bias[o]!;
        for (let j = 0; j < fanIn; j++) {
          const a = windowAddress(w, oy, ox, j);
          if (a >= 0) acc += stage.weights[o * fanIn + j]! * x[a]!;
        }
        const out = stage.output;
        y[(oy * w.outWidth + ox) * outChannels + o] = out.kind === "requant" ? requantize(acc, out.multiplier, out.shift, out.bits) : acc;
      }
  return y;
}

function pooled(stage: LoweredStage, y: number[]): number[] {
  const p = stage.pool;
  if (!p) return y;
  const pre = { height: stage.window.outHeight, width: stage.window.outWidth, channels: stage.outChannels };
  const out = new Array<number>(mapSize(stage.outMap));
  for (let py = 0; py < p.outHeight; py++)
    for (let px = 0; px < p.outWidth; px++)
      for (let c = 0; c < stage.outChannels; c++) {
        const { y: y0, x: x0 } = poolOrigin(p, py, px);
        let m = -Infinity;
        for (let dy = 0; dy < p.size; dy++) for (let dx = 0; dx < p.size; dx++) m = Math.max(m, y[hwcIndex(pre, y0 + dy, x0 + dx, c)]!);
        out[hwcIndex(stage.outMap, py, px, c)] = m;
      }
  return out;
}

/** The logits of one sample (its mapSize(net.input) input values in HWC order). */
export function interpretLowered(net: LoweredNetwork, input: ArrayLike<number>): number[] {
  let x: ArrayLike<number> = input;
  for (const stage of net.stages) x = pooled(stage, product(stage, x));
  return Array.from(x);
}
