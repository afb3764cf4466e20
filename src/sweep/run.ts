/**
 * Running sweep points: one point with a trainer, and the bookkeeping of what is still missing.
 * A float model is trained once into `<modelRoot>/<floatId>/` (under a lock, so concurrent jobs on
 * one machine share it) and reused by every precision that starts from it.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { saveNetwork } from "../ir/io.js";
import { weightInfos } from "../ir/analyze.js";
import type { Network } from "../ir/schema.js";
import { ensureWritableDir } from "../util/fs.js";
import { describeArch } from "./config.js";
import { withLock } from "./lock.js";
import type { FloatSpec, Point } from "./points.js";
import { RECORD_VERSION, type FloatRecord, type PointRecord, type QuantRecord } from "./store.js";
import type { FloatResult, Trainer } from "./trainer.js";

export interface RunOptions {
  sweep: string;
  modelRoot: string;
  backend?: string;
  progress?: boolean;
}

export const FLOAT_BITS = 32;

async function ensureFloat(trainer: Trainer, spec: FloatSpec, floatId: string, o: RunOptions): Promise<FloatResult> {
  ensureWritableDir(o.modelRoot);
  const modelDir = join(o.modelRoot, floatId);
  return withLock(`${modelDir}.lock`, () =>
    trainer.trainFloat({
      dataset: spec.dataset,
      arch: spec.arch,
      seed: spec.seed,
      epochs: spec.epochs,
      batchSize: spec.batchSize,
      learningRate: spec.learningRate,
      trainLimit: spec.trainLimit,
      modelDir,
      backend: o.backend,
      progress: o.progress,
    }),
  2000);
}

/** Stored weight bits of a quantized network: ceil(log2 M) per weight, layer by layer. */
export function storedWeightBits(net: Network): { weightCount: number; bits: number; idealBits: number } {
  let weightCount = 0;
  let bits = 0;
  let idealBits = 0;
  for (const info of weightInfos(net)) {
    const n = info.layer.weights.length;
    weightCount += n;
    bits += n * Math.ceil(Math.log2(info.layer.levels));
    idealBits += n * Math.log2(info.layer.levels);
  }
  return { weightCount, bits, idealBits };
}

const now = () => new Date().toISOString();

/** Runs one point to completion and returns its record (the caller stores it). */
export async function runPoint(trainer: Trainer, point: Point, o: RunOptions): Promise<PointRecord> {
  const spec = point.spec;
  if (spec.kind === "float") {
    const f = await ensureFloat(trainer, spec, point.floatId, o);
    const rec: FloatRecord = {
      v: RECORD_VERSION,
      id: point.id,
      sweep: o.sweep,
      kind: "float",
      spec,
      result: { testAccuracy: f.testAccuracy, parameters: f.parameters, weightCount: f.weightCount, weightMemoryBits: FLOAT_BITS * f.weightCount, epochs: f.epochs },
      // A model loaded from an earlier run reports the seconds its training took.
      seconds: f.seconds,
      backend: f.backend,
      host: hostname(),
      finishedAt: now(),
    };
    return rec;
  }
  const f = await ensureFloat(trainer, spec.float, point.floatId, o);
  const tq = performance.now();
  const q = await trainer.quantizeAndRetrain({
    modelDir: f.modelDir,
    levels: spec.levels,
    signalBits: spec.signalBits,
    retrainEpochs: spec.retrainEpochs,
    seed: spec.float.seed,
    name: `q_${point.id}`,
    learningRate: spec.learningRate,
    trainLimit: spec.float.trainLimit,
    backend: o.backend,
    progress: o.progress,
    keepDirect: spec.keepDirect,
  });
  const qDir = join(o.modelRoot, point.id);
  ensureWritableDir(qDir);
  saveNetwork(q.direct.network, join(qDir, "direct.json"));
  if (q.retrained) saveNetwork(q.retrained.network, join(qDir, "retrained.json"));
  const mem = storedWeightBits(q.direct.network);
  const rec: QuantRecord = {
    v: RECORD_VERSION,
    id: point.id,
    sweep: o.sweep,
    kind: "quant",
    floatId: point.floatId,
    spec,
    result: {
      floatAccuracy: f.testAccuracy,
      parameters: f.parameters,
      weightCount: mem.weightCount,
      levels: spec.levels,
      bitsPerWeight: Math.ceil(Math.log2(spec.levels)),
      idealBitsPerWeight: Math.log2(spec.levels),
      direct: { accuracy: q.direct.testAccuracy, weightMemoryBits: mem.bits },
      retrained: q.retrained ? { accuracy: q.retrained.testAccuracy, weightMemoryBits: storedWeightBits(q.retrained.network).bits } : null,
      ...(q.selection ? { selection: q.selection } : {}),
    },
    seconds: (performance.now() - tq) / 1000,
    backend: q.backend,
    host: hostname(),
    finishedAt: now(),
  };
  return rec;
}

/** One line describing a finished point. */
export function describeRecord(r: PointRecord): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const arch = describeArch(r.kind === "float" ? r.spec.arch : r.spec.float.arch);
  const seed = r.kind === "float" ? r.spec.seed : r.spec.float.seed;
  if (r.kind === "float") return `${r.id} ${arch} seed ${seed} float: ${pct(r.result.testAccuracy)} (${r.result.parameters} parameters, ${r.seconds.toFixed(1)} s, ${r.backend})`;
  const kept = r.result.selection?.chosen === "direct" ? " (direct weights kept: better on validation)" : "";
  const re = r.result.retrained ? `, retrained ${pct(r.result.retrained.accuracy)}${kept}` : "";
  return `${r.id} ${arch} seed ${seed} M=${r.result.levels}: direct ${pct(r.result.direct.accuracy)}${re} (float ${pct(r.result.floatAccuracy)}, ${r.seconds.toFixed(1)} s, ${r.backend})`;
}
