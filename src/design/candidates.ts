/**
 * Design candidates from the study stores: every quantized network of a data set (its retrained
 * cell, mean accuracy and interval over seeds; report/aggregate.ts) crossed with every hardware
 * architecture in the registry and each of its foldings, priced with the cost model (price.ts).
 * A network whose weights alone exceed everything the part could store is not priced for it.
 */
import { toCells } from "../report/aggregate.js";
import { currentRecords } from "../report/current.js";
import type { Interval } from "../report/intervals.js";
import { toRows } from "../report/rows.js";
import { archWeights, describeArch, type SweepConfig } from "../sweep/config.js";
import type { PointRecord } from "../sweep/store.js";
import type { Architecture as NetArch } from "../sweep/trainer.js";
import type { Part } from "./parts.js";
import { describeFolding, foldingsFor, hardwareArchitectures, type PriceCache } from "./price.js";
import { DEFAULT_LOGIC_LIMIT, type Candidate } from "./select.js";

export interface StoredNetwork {
  sweep: string;
  dataset: string;
  arch: NetArch;
  network: string;
  levels: number;
  precision: string;
  accuracy: Interval;
  points: { seed: number; pointId: string }[];
}

/** The quantized networks of a data set in the stores (retrained when retraining ran, else direct). */
export function storedNetworks(records: readonly PointRecord[], configs: readonly SweepConfig[], dataset: string): StoredNetwork[] {
  const { records: current, legacy } = currentRecords(records, configs);
  const byId = new Map(current.map((r) => [r.id, r]));
  const cells = toCells(toRows(current.filter((r) => (r.kind === "float" ? r.spec.dataset : r.spec.float.dataset) === dataset), legacy));
  const quant = cells.filter((c) => c.mode !== "float");
  const keep = quant.filter((c) => c.mode === "retrained" || !quant.some((o) => o.mode === "retrained" && o.sweep === c.sweep && o.arch === c.arch && o.levels === c.levels));
  return keep.map((c) => {
    const rec = byId.get(c.perSeed[0]!.pointId)!;
    const arch = rec.kind === "quant" ? rec.spec.float.arch : rec.spec.arch;
    return { sweep: c.sweep, dataset: c.dataset, arch, network: describeArch(arch), levels: c.levels, precision: c.precision, accuracy: c.accuracy, points: c.perSeed.map((s) => ({ seed: s.seed, pointId: s.pointId })) };
  });
}

/** Bits the part could hold at most: all block RAM plus every allowed LUT used as ROM. */
export function memoryCapacityBits(part: Part, logicLimit = DEFAULT_LOGIC_LIMIT): number {
  return part.family === "ice40" ? part.bram.count * 4096 + part.lut * logicLimit * 16 : part.bram.count * 36864 + part.lut * logicLimit * 64;
}

export interface CandidateOptions {
  archs?: string[];
  logicLimit?: number;
  onPriced?: (done: number, total: number) => void;
}

export function candidatesFor(nets: readonly StoredNetwork[], part: Part, cache: PriceCache, o: CandidateOptions = {}): Candidate[] {
  const archs = o.archs ?? hardwareArchitectures();
  const capacity = memoryCapacityBits(part, o.logicLimit);
  const jobs = nets.flatMap((net) => archs.flatMap((hwArch) => foldingsFor(hwArch).map((params) => ({ net, hwArch, params }))));
  return jobs.map(({ net, hwArch, params }, i): Candidate => {
    const base = { sweep: net.sweep, dataset: net.dataset, network: net.network, levels: net.levels, precision: net.precision, accuracy: net.accuracy, points: net.points, hwArch, params, folding: describeFolding(params) };
    const weightBits = archWeights(net.arch) * Math.ceil(Math.log2(net.levels));
    if (weightBits > capacity) return { ...base, footprint: null, skipKind: "too big", skipped: `its ${Math.round(weightBits / 1000)} kbit of weights exceed the ${Math.round(capacity / 1000)} kbit ${part.name} could hold` };
    const p = cache.price(net.arch, net.levels, hwArch, params);
    o.onPriced?.(i + 1, jobs.length);
    if (!("footprint" in p)) return { ...base, footprint: null, skipKind: "not buildable", skipped: p.skipped };
    if (part.family === "ice40" && !p.footprint.ice40) return { ...base, footprint: null, skipKind: "not buildable", skipped: `the cost model has no iCE40 calibration for ${hwArch}` };
    return { ...base, footprint: p.footprint };
  });
}
