/**
 * Sweep points: one independent job each, identified by a hash of its canonical configuration, so
 * the same point has the same id on every machine and in every run.
 */
import { createHash } from "node:crypto";
import { architectures, type SweepConfig } from "./config.js";
import type { Architecture, DatasetName } from "./trainer.js";

export interface FloatSpec {
  kind: "float";
  dataset: DatasetName;
  arch: Architecture;
  seed: number;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  trainLimit?: number;
}

export interface QuantSpec {
  kind: "quant";
  float: FloatSpec;
  levels: number;
  signalBits: number;
  retrainEpochs: number;
  learningRate?: number;
  /** Retraining may fall back to the direct weights when they score better on validation (a new rule: its points get new ids). */
  keepDirect?: true;
}

export type PointSpec = FloatSpec | QuantSpec;

export interface Point {
  id: string;
  /** Id of the float point this one starts from (its own id for a float point). */
  floatId: string;
  spec: PointSpec;
}

/** JSON with object keys sorted and undefined fields dropped: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Deterministic point id: 16 hex digits of the SHA-256 of the canonical spec. */
export const pointId = (spec: PointSpec): string => createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, 16);

/** Every point of a sweep: per architecture and seed, the float point followed by its quantized points. */
export function expandPoints(c: SweepConfig): Point[] {
  const points: Point[] = [];
  for (const arch of architectures(c))
    for (const seed of c.seeds) {
      const float: FloatSpec = {
        kind: "float",
        dataset: c.dataset,
        arch,
        seed,
        epochs: c.float.epochs,
        batchSize: c.float.batchSize,
        learningRate: c.float.learningRate,
        trainLimit: c.trainLimit,
      };
      const floatId = pointId(float);
      points.push({ id: floatId, floatId, spec: float });
      for (const levels of c.levels) {
        const q: QuantSpec = { kind: "quant", float, levels, signalBits: c.signalBits, retrainEpochs: c.retrain.epochs, learningRate: c.retrain.learningRate, keepDirect: c.retrain.keepDirect ? true : undefined };
        points.push({ id: pointId(q), floatId, spec: q });
      }
    }
  return points;
}

/** Points grouped by the float model they share, in sweep order (a group is one unit of local work). */
export function groupByFloat(points: Point[]): Point[][] {
  const groups = new Map<string, Point[]>();
  for (const p of points) {
    const g = groups.get(p.floatId) ?? [];
    g.push(p);
    groups.set(p.floatId, g);
  }
  return [...groups.values()];
}

export function floatSpecOf(spec: PointSpec): FloatSpec {
  return spec.kind === "float" ? spec : spec.float;
}
