/**
 * The report's figures as vega-lite specifications, rendered headless to SVG with vega.
 * Specs are pure data built from rows; `renderSvg` is the only part that runs vega.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { Cell, CellEcr } from "./aggregate.js";
import type { Interval } from "./intervals.js";
import type { Row } from "./rows.js";

type Spec = vl.TopLevelSpec;

const PRECISION_ORDER = ["float", "4-bit (M=15)", "3-bit (M=7)", "ternary"];
const precisionScale = (rows: readonly { precision: string }[]) => {
  const present = [...new Set(rows.map((r) => r.precision))];
  return [...PRECISION_ORDER.filter((p) => present.includes(p)), ...present.filter((p) => !PRECISION_ORDER.includes(p)).sort()];
};

const pct = (v: number) => Math.round(v * 10000) / 100;
/** Mean and 95% interval ends in percent; a point without an interval gets a zero-length bar. */
const band = (i: Interval) => ({ mean: pct(i.mean), lo: pct(Number.isFinite(i.lo) ? i.lo : i.mean), hi: pct(Number.isFinite(i.hi) ? i.hi : i.mean) });
/** Error bars of the 95% seed interval, drawn under a layer's points. */
const errorBars = (x: object, color: object) => ({ mark: { type: "rule", strokeWidth: 1.5 }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color } });

/**
 * Accuracy vs parameters (log x): one panel for direct quantization and one for retraining, the float
 * nets drawn in both as the reference; colour = precision, dash = depth (one line per depth series,
 * so lines never jump between depths).
 */
export function accuracyVsParameters(cells: readonly Cell[], title: string): Spec {
  const panels = [
    ["direct", "direct quantization"],
    ["retrained", "retrained"],
  ] as const;
  const values = panels.flatMap(([mode, panel]) =>
    cells
      .filter((c) => c.mode === "float" || c.mode === mode)
      .map((c) => { const b = band(c.accuracy); return { parameters: c.parameters, accuracy: b.mean, lo: b.lo, hi: b.hi, precision: c.precision, panel, arch: c.arch, depth: String(c.depth), seeds: c.accuracy.n }; }),
  );
  const depths = new Set(cells.map((c) => c.depth));
  const x = { field: "parameters", type: "quantitative", scale: { type: "log" }, title: "parameters (log scale)" };
  const color = { field: "precision", type: "nominal", sort: precisionScale(cells), title: "precision" };
  return {
    title,
    data: { values },
    facet: { column: { field: "panel", type: "nominal", sort: panels.map((p) => p[1]), title: null } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 360,
      height: 300,
      layer: [
        errorBars(x, color),
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "accuracy", type: "quantitative", scale: { zero: false }, title: "test accuracy (%), integer model: mean and 95% CI over seeds" },
            color,
            ...(depths.size > 1 ? { strokeDash: { field: "depth", type: "ordinal", title: "hidden layers", scale: { range: [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]] }, legend: { symbolType: "stroke", symbolStrokeWidth: 2, symbolSize: 400, encode: { symbols: { update: { stroke: { value: "#444" } } } } } } } : {}),
            detail: { field: "depth" },
            tooltip: [{ field: "arch" }, { field: "precision" }, { field: "accuracy" }, { field: "lo" }, { field: "hi" }, { field: "seeds" }],
          },
        },
      ],
    },
  } as Spec;
}

/** Float-minus-retrained gap of the retrained cells with 95% error bars, one panel per precision; `x` and `color` pick the axes. */
function gapPanels(cells: readonly Cell[], title: string, x: object, color: object): Spec {
  const values = cells.filter((c) => c.mode === "retrained").map((c) => { const b = band(c.gap); return { width: c.width, depth: c.depth, gap: b.mean, lo: b.lo, hi: b.hi, precision: c.precision, arch: c.arch, seeds: c.gap.n }; });
  return {
    title,
    data: { values },
    facet: { column: { field: "precision", type: "nominal", sort: precisionScale(cells), title: null } },
    spec: {
      width: 220,
      height: 220,
      layer: [
        errorBars(x, color),
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "gap", type: "quantitative", title: "float − retrained (pp), mean and 95% CI" },
            color,
            tooltip: [{ field: "arch" }, { field: "gap" }, { field: "lo" }, { field: "hi" }, { field: "seeds" }],
          },
        },
      ],
    },
  } as Spec;
}

/** Float-minus-retrained gap vs hidden width (log x), one line per depth, one panel per precision. */
export function gapVsWidth(cells: readonly Cell[], title: string, xTitle = "hidden width (log scale)"): Spec {
  return gapPanels(cells, title, { field: "width", type: "quantitative", scale: { type: "log", base: 2 }, title: xTitle }, { field: "depth", type: "nominal", title: "depth" });
}

/** Float-minus-retrained gap vs depth, one line per width, one panel per precision. */
export function gapVsDepth(cells: readonly Cell[], title: string): Spec {
  return gapPanels(cells, title, { field: "depth", type: "ordinal", title: "hidden layers" }, { field: "width", type: "ordinal", title: "width", scale: { scheme: "viridis" } });
}

/** Direct vs retrained accuracy; points above the diagonal gained from retraining. */
export function directVsRetrained(rows: readonly Row[], title: string): Spec {
  const retrained = new Map(rows.filter((r) => r.mode === "retrained").map((r) => [r.pointId, r]));
  const values = rows
    .filter((r) => r.mode === "direct" && retrained.has(r.pointId))
    .map((r) => ({ direct: pct(r.accuracy), retrained: pct(retrained.get(r.pointId)!.accuracy), precision: r.precision, arch: r.arch }));
  const lo = Math.min(...values.map((v) => Math.min(v.direct, v.retrained)), 100);
  const hi = Math.max(...values.map((v) => Math.max(v.direct, v.retrained)), 0);
  return {
    title,
    width: 360,
    height: 360,
    layer: [
      { data: { values: [{ a: lo, b: lo }, { a: hi, b: hi }] }, mark: { type: "line", color: "#999", strokeDash: [4, 4] }, encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } } },
      {
        data: { values },
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          x: { field: "direct", type: "quantitative", scale: { zero: false }, title: "direct quantization accuracy (%)" },
          y: { field: "retrained", type: "quantitative", scale: { zero: false }, title: "retrained accuracy (%)" },
          color: { field: "precision", type: "nominal", sort: precisionScale(rows) },
          tooltip: [{ field: "arch" }, { field: "precision" }, { field: "direct" }, { field: "retrained" }],
        },
      },
    ],
  } as Spec;
}

/**
 * ECR of the retrained nets vs their size, on the mean curves, with the seed interval as error bars;
 * bounds drawn as triangles. One panel per ECR kind present: memory (weights), block RAM and logic
 * (area.ts).
 */
export function ecrVsSize(cells: readonly Cell[], title: string): Spec {
  const boundLabel = (b: string | undefined) => (b === "exact" ? "exact" : b === "lower" ? "lower bound (≥)" : "upper bound (≤)");
  const kinds = [
    ["memory (weights)", (c: Cell) => c.ecr],
    ["block RAM (mac-array, iCE40 EBR)", (c: Cell) => c.ecrEbr],
    ["logic (mac-array, iCE40 LUT4, estimate)", (c: Cell) => c.ecrLut4],
    ["block RAM (dataflow, iCE40 EBR)", (c: Cell) => c.ecrDfEbr],
    ["logic (dataflow, iCE40 LUT4, estimate)", (c: Cell) => c.ecrDfLut4],
  ] as const;
  const values = kinds.flatMap(([kind, value]) =>
    cells
      .filter((c) => c.mode === "retrained" && value(c) !== undefined)
      .map((c) => {
        const e = value(c) as CellEcr;
        return { parameters: c.parameters, ecr: e.value, lo: Number.isFinite(e.lo) ? e.lo : e.value, hi: Number.isFinite(e.hi) ? e.hi : e.value, bound: boundLabel(e.bound), precision: c.precision, arch: c.arch, kind };
      }),
  );
  const present = kinds.map((k) => k[0]).filter((k) => values.some((v) => v.kind === k));
  const x = { field: "parameters", type: "quantitative", scale: { type: "log" }, title: "parameters (log scale)" };
  const color = { field: "precision", type: "nominal", sort: precisionScale(cells) };
  return {
    title,
    data: { values },
    facet: { column: { field: "kind", type: "nominal", sort: present, title: null } },
    spec: {
      width: present.length > 1 ? 300 : 520,
      height: 300,
      layer: [
        { mark: { type: "rule", strokeWidth: 1.5 }, encoding: { x, y: { field: "lo", type: "quantitative", scale: { type: "log" } }, y2: { field: "hi" }, color } },
        {
          mark: { type: "point", size: 70 },
          encoding: {
            x,
            y: { field: "ecr", type: "quantitative", scale: { type: "log" }, title: "effective compression ratio (log), mean curves, 95% CI" },
            color,
            shape: { field: "bound", type: "nominal", scale: { domain: ["exact", "lower bound (≥)", "upper bound (≤)"], range: ["circle", "triangle-up", "triangle-down"] } },
            tooltip: [{ field: "arch" }, { field: "precision" }, { field: "kind" }, { field: "ecr" }, { field: "lo" }, { field: "hi" }, { field: "bound" }],
          },
        },
      ],
    },
  } as Spec;
}

export async function renderSvg(spec: Spec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
