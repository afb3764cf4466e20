/**
 * How a layer's outputs are dealt to the P lanes (designs with convolutions; dense-only designs
 * always use "channels"). Outputs are ordered as the activation buffers store them: (pooled pixel,
 * channel), HWC.
 *
 *  - "channels": a group is P output channels of one pixel; a pixel takes ceil(C/P) groups, so
 *    when P does not divide C the last group of every pixel leaves lanes idle.
 *  - "outputs": a group is the next P outputs in (pixel, channel) order, whatever pixel they belong
 *    to. With P < C a group spans at most two pixels: lanes k < C - r work on pixel A (the group's
 *    first output is channel r of A), lanes k >= C - r on the next pixel B = A + 1, so the lanes
 *    need two inputs per cycle (a second window walker, one pixel ahead, and a second read of the
 *    activation buffer) and lane k uses channel (r + k) mod C (the layer's weight word for input j
 *    holds all C channels and is rotated by r). Only the layer's last group can be short.
 *
 * The plan uses "outputs" exactly where it saves cycles: layers with more than one output pixel and
 * P < C with P not dividing C (with P dividing C both orders are the same schedule). Every other
 * layer, including P > C (a group would span more than two pixels), uses "channels".
 *
 * Both orders are one loop over groups with r = channel of lane 0: after a group, r + P >= C ends
 * pixel A (A advances by one; r becomes r + P - C for "outputs", 0 for "channels"), otherwise r
 * grows by P. The walk, the cycle model and the schedule simulation all follow this loop.
 */

export type LaneOrder = "channels" | "outputs";

export function laneOrderOf(pixels: number, channels: number, lanes: number): LaneOrder {
  return pixels > 1 && lanes < channels && channels % lanes !== 0 ? "outputs" : "channels";
}

/** One lane group: lanes 0..size-1 compute outputs base..base+size-1 of the layer's output map. */
export interface LaneGroup {
  /** Pooled output pixel of lane 0 (pixel A). */
  pixel: number;
  /** Channel of lane 0. */
  phase: number;
  /** Index of the group within its pixel ("channels"; 0 for "outputs"): selects the weight block. */
  block: number;
  /** Output index of lane 0 (pixel * C + phase). */
  base: number;
  /** Lanes that produce an output (P, or fewer for the last group of a pixel / of the layer). */
  size: number;
}

/** Channel of lane k in a group of phase r, and whether it works on pixel B (the next one). */
export function laneChannel(order: LaneOrder, channels: number, phase: number, k: number): { channel: number; next: boolean } {
  if (order === "channels") return { channel: phase + k, next: false };
  const c = phase + k;
  return c >= channels ? { channel: c - channels, next: true } : { channel: c, next: false };
}

/** The layer's lane groups in issue order. */
export function* laneGroups(order: LaneOrder, pixels: number, channels: number, lanes: number): Generator<LaneGroup> {
  const total = pixels * channels;
  let pixel = 0;
  let phase = 0;
  let block = 0;
  while (pixel < pixels) {
    const base = pixel * channels + phase;
    const size = order === "channels" ? Math.min(lanes, channels - phase) : Math.min(lanes, total - base);
    yield { pixel, phase, block, base, size };
    if (phase + lanes >= channels) {
      pixel++;
      phase = order === "channels" ? 0 : phase + lanes - channels;
      block = 0;
    } else {
      phase += lanes;
      block++;
    }
  }
}

/** Number of lane groups of a layer: pixels * ceil(C / P) ("channels") or ceil(pixels * C / P) ("outputs"). */
export const groupCount = (order: LaneOrder, pixels: number, channels: number, lanes: number): number =>
  order === "channels" ? pixels * Math.ceil(channels / lanes) : Math.ceil((pixels * channels) / lanes);
