/**
 * Flattens sweep records into analysis rows: one per (architecture, seed, precision, mode), with
 * the memory ECR of every quantized row computed against the float curve of its own sweep.
 * Pure: records in, rows out.
 */
import { describeArch } from "../sweep/config.js";
import type { FloatRecord, PointRecord, QuantRecord } from "../sweep/store.js";
import type { Architecture } from "../sweep/trainer.js";
import { AREA_ARCHS, AREA_LANES, cnnArea, ffdnnArea, type AreaArch, type HwArea } from "./area.js";
import { costEcr, memoryEcr, type Bound, type CurvePoint } from "./ecr.js";

export type Mode = "float" | "direct" | "retrained";

export interface Row {
  sweep: string;
  dataset: string;
  family: "ffdnn" | "cnn";
  arch: string;
  /** FFDNN: hidden width and depth; CNN: width = feature maps of the first conv layer, depth = conv layers. */
  width: number;
  depth: number;
  seed: number;
  parameters: number;
  weights: number;
  /** 0 for float. */
  levels: number;
  precision: string;
  mode: Mode;
  accuracy: number;
  /** Accuracy of the float net this row starts from. */
  floatAccuracy: number;
  memoryBits: number;
  /** log2(M) bits per weight (32 for float). */
  idealMemoryBits: number;
  ecr?: number;
  ecrBound?: Bound;
  ecrIdeal?: number;
  /** FFDNN hidden widths, CNN conv and dense widths (for hardware pricing). */
  hidden?: number[];
  conv?: number[];
  dense?: number[];
  /** Bits of every hidden signal (8 for float rows: the float net priced with 8-bit signals). */
  signalBits: number;
  /** Area of the mac-array accelerator for this net (see area.ts): analytic iCE40 LUT4 and EBR. */
  lut4?: number;
  ebr?: number;
  /** Area-based ECRs: float LUT4 (or EBR) at equal accuracy / this net's LUT4 (or EBR). */
  ecrLut4?: number;
  ecrLut4Bound?: Bound;
  ecrEbr?: number;
  ecrEbrBound?: Bound;
  /** The same on the dataflow architecture (a pipeline starting an image every DATAFLOW_INTERVAL cycles). */
  dfLut4?: number;
  dfEbr?: number;
  ecrDfLut4?: number;
  ecrDfLut4Bound?: Bound;
  ecrDfEbr?: number;
  ecrDfEbrBound?: Bound;
  /** Retrained rows of keep-direct points: which weights were exported. */
  selection?: "direct" | "retrained";
  /** Quantized rows of records made before the keep-direct rule (standing in for their points). */
  legacy?: boolean;
  seconds: number;
  backend: string;
  pointId: string;
}

export function precisionLabel(levels: number): string {
  if (levels === 0) return "float";
  if (levels === 3) return "ternary";
  const bits = Math.ceil(Math.log2(levels));
  return levels === 2 ** bits - 1 ? `${bits}-bit (M=${levels})` : `M=${levels}`;
}

function shape(a: Architecture): { width: number; depth: number } {
  return a.kind === "ffdnn" ? { width: a.hidden[0] ?? 0, depth: a.hidden.length } : { width: a.conv[0] ?? 0, depth: a.conv.length };
}

/** One curve point per key (an architecture): its size and the mean accuracy over its entries (seeds). */
function meanCurve(entries: ReadonlyArray<{ key: string; size: number; accuracy: number }>): CurvePoint[] {
  const by = new Map<string, { size: number; sum: number; n: number }>();
  for (const e of entries) {
    const c = by.get(e.key) ?? { size: e.size, sum: 0, n: 0 };
    c.sum += e.accuracy;
    c.n++;
    by.set(e.key, c);
  }
  return [...by.values()].map((c) => ({ size: c.size, accuracy: c.sum / c.n }));
}

/** Float curve of a sweep: mean accuracy over seeds per architecture, size = weights. */
export function floatCurve(floats: readonly FloatRecord[]): CurvePoint[] {
  return meanCurve(floats.map((f) => ({ key: JSON.stringify(f.spec.arch), size: f.result.weightCount, accuracy: f.result.testAccuracy })));
}

/** `legacy`: ids of quantized records that predate the keep-direct rule (report/current.ts). */
export function toRows(records: readonly PointRecord[], legacy: ReadonlySet<string> = new Set()): Row[] {
  const floatsBySweep = new Map<string, FloatRecord[]>();
  for (const r of records) if (r.kind === "float") floatsBySweep.set(r.sweep, [...(floatsBySweep.get(r.sweep) ?? []), r]);
  const curves = new Map([...floatsBySweep].map(([s, fs]) => [s, floatCurve(fs)]));
  const rows: Row[] = [];
  for (const r of records) {
    const arch = r.kind === "float" ? r.spec.arch : r.spec.float.arch;
    const common = {
      sweep: r.sweep,
      dataset: r.kind === "float" ? r.spec.dataset : r.spec.float.dataset,
      family: arch.kind,
      arch: describeArch(arch),
      ...shape(arch),
      seed: r.kind === "float" ? r.spec.seed : r.spec.float.seed,
      parameters: r.result.parameters,
      weights: r.result.weightCount,
      seconds: r.seconds,
      backend: r.backend,
      pointId: r.id,
      ...(arch.kind === "ffdnn" ? { hidden: [...arch.hidden] } : { conv: [...arch.conv], dense: [...arch.dense] }),
      signalBits: r.kind === "float" ? 8 : r.spec.signalBits,
    };
    if (r.kind === "float") {
      const bits = 32 * r.result.weightCount;
      rows.push({ ...common, levels: 0, precision: "float", mode: "float", accuracy: r.result.testAccuracy, floatAccuracy: r.result.testAccuracy, memoryBits: bits, idealMemoryBits: bits });
      continue;
    }
    const q: QuantRecord = r;
    const curve = curves.get(r.sweep) ?? [];
    const modes: [Mode, { accuracy: number; weightMemoryBits: number } | null][] = [
      ["direct", q.result.direct],
      ["retrained", q.result.retrained],
    ];
    for (const [mode, m] of modes) {
      if (!m) continue;
      const ideal = q.result.weightCount * q.result.idealBitsPerWeight;
      const row: Row = {
        ...common,
        levels: q.result.levels,
        precision: precisionLabel(q.result.levels),
        mode,
        accuracy: m.accuracy,
        floatAccuracy: q.result.floatAccuracy,
        memoryBits: m.weightMemoryBits,
        idealMemoryBits: ideal,
        ...(mode === "retrained" && q.result.selection ? { selection: q.result.selection.chosen } : {}),
        ...(legacy.has(q.id) ? { legacy: true } : {}),
      };
      if (curve.length) {
        const e = memoryEcr(curve, m.accuracy, m.weightMemoryBits);
        row.ecr = e.value;
        row.ecrBound = e.bound;
        row.ecrIdeal = memoryEcr(curve, m.accuracy, ideal).value;
      }
      rows.push(row);
    }
  }
  return rows.sort((a, b) => a.sweep.localeCompare(b.sweep) || a.depth - b.depth || a.width - b.width || a.seed - b.seed || a.levels - b.levels || a.mode.localeCompare(b.mode));
}

/** Where each priced architecture's area and ECRs live in a row. */
const AREA_FIELDS: Record<AreaArch, { lut4: "lut4" | "dfLut4"; ebr: "ebr" | "dfEbr"; ecrLut4: "ecrLut4" | "ecrDfLut4"; ecrLut4Bound: "ecrLut4Bound" | "ecrDfLut4Bound"; ecrEbr: "ecrEbr" | "ecrDfEbr"; ecrEbrBound: "ecrEbrBound" | "ecrDfEbrBound" }> = {
  "mac-array": { lut4: "lut4", ebr: "ebr", ecrLut4: "ecrLut4", ecrLut4Bound: "ecrLut4Bound", ecrEbr: "ecrEbr", ecrEbrBound: "ecrEbrBound" },
  dataflow: { lut4: "dfLut4", ebr: "dfEbr", ecrLut4: "ecrDfLut4", ecrLut4Bound: "ecrDfLut4Bound", ecrEbr: "ecrDfEbr", ecrEbrBound: "ecrDfEbrBound" },
};

/**
 * Adds each architecture's accelerator area (area.ts) to every row and its area-based ECRs to every
 * quantized row, against the float rows of the same sweep priced the same way.
 */
export function withAreaEcr(rows: readonly Row[]): Row[] {
  const area = (r: Row, arch: AreaArch): HwArea | undefined =>
    r.hidden ? ffdnnArea(r.hidden, r.levels, r.signalBits, AREA_LANES, {}, arch) : r.conv ? cnnArea(r.conv, r.dense ?? [], r.levels, r.signalBits, AREA_LANES, {}, arch) : undefined;
  const out = rows.map((r) => ({ ...r }));
  for (const arch of AREA_ARCHS) {
    const f = AREA_FIELDS[arch];
    for (const r of out) {
      const a = area(r, arch);
      if (a) [r[f.lut4], r[f.ebr]] = [a.lut4, a.ebr];
    }
    // The float curves on both hardware axes, per sweep, as for memory: mean accuracy over seeds per architecture.
    const curves = new Map<string, { lut4: CurvePoint[]; ebr: CurvePoint[] }>();
    for (const sweep of new Set(out.map((r) => r.sweep))) {
      const floats = out.filter((r) => r.sweep === sweep && r.mode === "float" && r[f.lut4] !== undefined && r[f.ebr] !== undefined);
      if (floats.length)
        curves.set(sweep, {
          lut4: meanCurve(floats.map((r) => ({ key: r.arch, size: r[f.lut4]!, accuracy: r.accuracy }))),
          ebr: meanCurve(floats.map((r) => ({ key: r.arch, size: r[f.ebr]!, accuracy: r.accuracy }))),
        });
    }
    for (const r of out) {
      const c = curves.get(r.sweep);
      const lut4 = r[f.lut4];
      const ebr = r[f.ebr];
      if (r.mode === "float" || !c || lut4 === undefined || ebr === undefined) continue;
      const l = costEcr(c.lut4, r.accuracy, lut4);
      const e = costEcr(c.ebr, r.accuracy, ebr);
      r[f.ecrLut4] = l.value;
      r[f.ecrLut4Bound] = l.bound;
      r[f.ecrEbr] = e.value;
      r[f.ecrEbrBound] = e.bound;
    }
  }
  return out;
}

/** CSV with a header; numbers as-is, strings quoted when needed. */
export function toCsv<T extends object>(rows: readonly T[], columns: (keyof T & string)[]): string {
  const cell = (v: unknown) => {
    if (v === undefined || v === null) return "";
    const s = typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}
