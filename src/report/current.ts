/**
 * Which stored records belong to the current sweep configs. A record counts when its id is a point of
 * its sweep's config. A quantized record made before its config asked for `keepDirect` (same spec
 * without the field: the rule that retraining may fall back to the direct weights did not exist yet)
 * stands in for its point until the point itself is stored; its row says so (`legacy`).
 * Records of sweeps without a config are all kept.
 */
import type { SweepConfig } from "../sweep/config.js";
import { expandPoints, pointId } from "../sweep/points.js";
import type { PointRecord } from "../sweep/store.js";

export interface CurrentRecords {
  records: PointRecord[];
  /** Ids of kept records that predate keepDirect. */
  legacy: Set<string>;
  /** Records left out: not a point of the current config, or a predecessor whose point is stored. */
  dropped: number;
}

export function currentRecords(records: readonly PointRecord[], configs: readonly SweepConfig[]): CurrentRecords {
  const stored = new Set(records.map((r) => `${r.sweep}/${r.id}`));
  const ids = new Map<string, Set<string>>();
  const predecessors = new Map<string, Map<string, string>>();
  for (const c of configs) {
    const points = expandPoints(c);
    ids.set(c.name, new Set(points.map((p) => p.id)));
    const pre = new Map<string, string>();
    for (const p of points) if (p.spec.kind === "quant" && p.spec.keepDirect) pre.set(pointId({ ...p.spec, keepDirect: undefined }), p.id);
    predecessors.set(c.name, pre);
  }
  const kept: PointRecord[] = [];
  const legacy = new Set<string>();
  for (const r of records) {
    const own = ids.get(r.sweep);
    if (!own || own.has(r.id)) {
      kept.push(r);
      continue;
    }
    const successor = predecessors.get(r.sweep)?.get(r.id);
    if (successor && !stored.has(`${r.sweep}/${successor}`)) {
      kept.push(r);
      legacy.add(r.id);
    }
  }
  return { records: kept, legacy, dropped: records.length - kept.length };
}
