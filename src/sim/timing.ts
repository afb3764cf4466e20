/**
 * The timing verdict of a co-simulation without stalls: measured latency and interval against the
 * manifest. An architecture whose images overlap (dataflow) predicts every image's first-input and
 * last-output cycle of a back-to-back stream (`Architecture.predictTimes`), and each must match;
 * otherwise every inference's latency must equal the prediction and successive starts must be the
 * predicted interval apart.
 */
import type { Manifest } from "../hw/bundle/manifest.js";
import { getArchitecture } from "../hw/registry.js";
import { measuredInterval } from "./run.js";
import type { SimVector } from "./simulator.js";

export interface TimingVerdict {
  ok: boolean;
  /** Latency of the first inference (empty pipeline). */
  latency: number | null;
  /** Gap between the last two starts (the steady state), or null with one vector. */
  interval: number | null;
}

export function timingVerdict(m: Manifest, vectors: ReadonlyArray<Pick<SimVector, "start" | "cycles">>): TimingVerdict {
  if (!vectors.length) return { ok: false, latency: null, interval: null };
  const n = vectors.length;
  const lastGap = n >= 2 ? vectors[n - 1]!.start - vectors[n - 2]!.start : null;
  const predict = getArchitecture(m.arch.id).predictTimes;
  if (predict) {
    const t0 = vectors[0]!.start;
    const want = predict(m, n);
    const ok = vectors.every((v, k) => v.start - t0 === want[k]!.start && v.start + v.cycles - 1 - t0 === want[k]!.end);
    return { ok, latency: vectors[0]!.cycles, interval: lastGap };
  }
  const interval = measuredInterval(vectors);
  const ok = vectors.every((v) => v.cycles === m.timing.latency) && (interval === null || interval === m.timing.interval);
  return { ok, latency: Math.max(...vectors.map((v) => v.cycles)), interval };
}
