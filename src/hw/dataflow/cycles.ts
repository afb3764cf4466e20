/**
 * The exact cycle model of the dataflow pipeline: when every image enters, passes each MVU and
 * leaves, for a source that never stalls and a sink that is always ready. Each rule below is one
 * handshake of the RTL (templates/dataflow.v.hbs), so the co-simulation tests compare the
 * predicted cycle of every image's first input beat and last output beat with the measured ones.
 *
 *  - input port: image k's beats are accepted on consecutive cycles from A(k), once the previous
 *    image is in and layer 0's buffer bank for k is free (MVU 0 released image k - banks):
 *      A(k) = max(A(k-1) + B, e_0(k - n_0) + 1); the bank is full (visible) at A(k) + B.
 *  - MVU l starts image k when its bank is full, it has finished image k - 1, and it holds a
 *    credit (the next buffer released image k - n_{l+1}):
 *      s_l(k) = max(W_l(k), e_l(k-1) + 1, r_{l+1}(k - n_{l+1}) + 1),  e_l(k) = s_l(k) + NF SF - 1,
 *    four pipeline registers lie on the way: the lanes' operands and the adder trees' sums (the
 *    accumulators take the sums two cycles after the issue's read), the drain word with its bias
 *    ROM read, and the requantized output word; the last beat of image k is written at
 *    e_l(k) + 5 + PE/outWidth, so the next bank is full at W_{l+1}(k) = e_l(k) + drainDelay with
 *    drainDelay = 6 + PE/outWidth.
 *  - output port: logits of image k leave one per cycle from max(W_out(k), end(k-1) + 1); the
 *    bank is released (credit to the last MVU) on the last beat.
 * Latency is inclusive (first input beat to last output beat, both counted), as the testbench
 * measures it.
 */
import type { DfPlan } from "./plan.js";

/** What the cycle model needs: the plan has it, and so does the manifest's `structure`. */
export interface PipelineShape {
  inputBeats: number;
  classes: number;
  /** Per MVU: cycles per image, drain delay, images its input buffer holds. */
  layers: Array<{ interval: number; drainDelay: number; bufferImages: number }>;
  outputImages: number;
}

export const pipelineShape = (plan: DfPlan): PipelineShape => ({
  inputBeats: plan.inputBeats,
  classes: plan.output.classes,
  layers: plan.layers.map((l) => ({ interval: l.interval, drainDelay: l.drainDelay, bufferImages: l.buffer.banks })),
  outputImages: plan.output.buffer.banks,
});

export interface ImageTiming {
  /** Cycle of the image's first accepted input beat. */
  inputStart: number;
  /** Cycle of its last output beat. */
  outputEnd: number;
  /** Issue window of each MVU: first and last cycle. */
  layers: Array<{ start: number; end: number }>;
}

/** Predicted timing of `images` back-to-back images (cycle 0 = first input beat of image 0). */
export function predictSchedule(shape: PipelineShape, images: number): ImageTiming[] {
  const L = shape.layers.length;
  const B = shape.inputBeats;
  const C = shape.classes;
  const out: ImageTiming[] = [];
  /** Cycle a consumer releases image k's bank: MVU l+1's last issue, or the output's last beat. */
  const release = (consumer: number, k: number): number => (consumer < L ? out[k]!.layers[consumer]!.end : out[k]!.outputEnd);
  for (let k = 0; k < images; k++) {
    const prev = out[k - 1];
    const n0 = shape.layers[0]!.bufferImages;
    const inputStart = Math.max(prev ? prev.inputStart + B : 0, k >= n0 ? out[k - n0]!.layers[0]!.end + 1 : 0);
    let full = inputStart + B;
    const layers: Array<{ start: number; end: number }> = [];
    for (let l = 0; l < L; l++) {
      const lp = shape.layers[l]!;
      const next = l + 1 < L ? shape.layers[l + 1]!.bufferImages : shape.outputImages;
      const start = Math.max(full, prev ? prev.layers[l]!.end + 1 : 0, k >= next ? release(l + 1, k - next) + 1 : 0);
      const end = start + lp.interval - 1;
      layers.push({ start, end });
      full = end + lp.drainDelay;
    }
    const outStart = Math.max(full, prev ? prev.outputEnd + 1 : 0);
    out.push({ inputStart, outputEnd: outStart + C - 1, layers });
  }
  return out;
}

/** Per-layer figures for reports: busy cycles per image and cycles from start to data downstream. */
export function layerTimings(plan: DfPlan): Array<{ name: string; interval: number; latency: number }> {
  return plan.layers.map((l) => ({ name: l.name, interval: l.interval, latency: l.interval + l.drainDelay - 1 }));
}
