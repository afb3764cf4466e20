/**
 * Timing measured in co-simulation against the cycle model: the testbench records, per image, the
 * cycle of its first accepted input beat and its latency (so the cycle of its last output beat);
 * relative to image 0's first beat these must equal predictSchedule exactly when no port stalls.
 */
import type { Manifest } from "../bundle/manifest.js";
import type { SimVector } from "../../sim/simulator.js";
import { predictSchedule, type PipelineShape } from "./cycles.js";

export interface MeasuredImage {
  inputStart: number;
  outputEnd: number;
}

export interface TimingCheck {
  measured: MeasuredImage[];
  predicted: MeasuredImage[];
  /** Image 0 (empty pipeline): first input beat to last output beat, inclusive. */
  measuredLatency: number;
  /** Start of the last image minus start of the one before (the steady state on a long enough stream). */
  measuredInterval: number | null;
  /** Every image's first-input and last-output cycle equals the prediction. */
  exact: boolean;
}

/** Per-image first-input and last-output cycles of a simulation, relative to image 0's first beat. */
export function measuredTiming(vectors: ReadonlyArray<Pick<SimVector, "start" | "cycles">>): MeasuredImage[] {
  const t0 = vectors[0]?.start ?? 0;
  return vectors.map((v) => ({ inputStart: v.start - t0, outputEnd: v.start + v.cycles - 1 - t0 }));
}

export function checkTiming(shape: PipelineShape, vectors: ReadonlyArray<Pick<SimVector, "start" | "cycles">>): TimingCheck {
  const measured = measuredTiming(vectors);
  const predicted = predictSchedule(shape, measured.length).map((t) => ({ inputStart: t.inputStart, outputEnd: t.outputEnd }));
  const n = measured.length;
  return {
    measured,
    predicted,
    measuredLatency: n ? measured[0]!.outputEnd - measured[0]!.inputStart + 1 : 0,
    measuredInterval: n >= 2 ? measured[n - 1]!.inputStart - measured[n - 2]!.inputStart : null,
    exact: measured.every((m, k) => m.inputStart === predicted[k]!.inputStart && m.outputEnd === predicted[k]!.outputEnd),
  };
}

/** The cycle model's inputs as the manifest records them (structure). */
export function shapeFromManifest(m: Manifest): PipelineShape {
  const s = m.structure as { inputBeats: number; classes: number; outputImages: number; layers: Array<{ interval: number; drainDelay: number; bufferImages: number }> };
  return { inputBeats: s.inputBeats, classes: s.classes, outputImages: s.outputImages, layers: s.layers.map((l) => ({ interval: l.interval, drainDelay: l.drainDelay, bufferImages: l.bufferImages })) };
}

/**
 * Images a back-to-back stream needs before successive starts are `interval` apart for good: the
 * first image from which the predicted intervals stay at the steady state over a long horizon,
 * plus one (so the last measured interval is a steady one).
 */
export function steadyStateImages(shape: PipelineShape, interval: number): number {
  const horizon = 8 * (shape.layers.length + 3);
  const s = predictSchedule(shape, horizon);
  let first = horizon - 1;
  while (first > 1 && s[first]!.inputStart - s[first - 1]!.inputStart === interval) first--;
  return first + 2;
}
