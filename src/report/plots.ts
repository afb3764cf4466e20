/**
 * The report's figures as vega-lite specifications, rendered headless to SVG with vega.
 * Specs are pure data built from rows; `renderSvg` is the only part that runs vega.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import { gap } from "./claims.js";
import type { Row } from "./rows.js";

type Spec = vl.TopLevelSpec;

const PRECISION_ORDER = ["float", "4-bit (M=15)", "3-bit (M=7)", "ternary"];
const precisionScale = (rows: readonly Row[]) => {
  const present = [...new Set(rows.map((r) => r.precision))];
  return [...PRECISION_ORDER.filter((p) => present.includes(p)), ...present.filter((p) => !PRECISION_ORDER.includes(p)).sort()];
};

const pct = (v: number) => Math.round(v * 10000) / 100;

/**
 * Accuracy vs parameters (log x): one panel for direct quantization and one for retraining, the float
 * nets drawn in both as the reference; colour = precision, dash = depth (one line per depth series,
 * so lines never jump between depths).
 */
export function accuracyVsParameters(rows: readonly Row[], title: string): Spec {
  const panels = [
    ["direct", "direct quantization"],
    ["retrained", "retrained"],
  ] as const;
  const values = panels.flatMap(([mode, panel]) =>
    rows
      .filter((r) => r.mode === "float" || r.mode === mode)
      .map((r) => ({ parameters: r.parameters, accuracy: pct(r.accuracy), precision: r.precision, panel, arch: r.arch, depth: String(r.depth) })),
  );
  const depths = new Set(rows.map((r) => r.depth));
  return {
    title,
    data: { values },
    facet: { column: { field: "panel", type: "nominal", sort: panels.map((p) => p[1]), title: null } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 360,
      height: 300,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "parameters", type: "quantitative", scale: { type: "log" }, title: "parameters (log scale)" },
        y: { field: "accuracy", type: "quantitative", scale: { zero: false }, title: "test accuracy (%), integer model" },
        color: { field: "precision", type: "nominal", sort: precisionScale(rows), title: "precision" },
        ...(depths.size > 1 ? { strokeDash: { field: "depth", type: "ordinal", title: "hidden layers", scale: { range: [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]] }, legend: { symbolType: "stroke", symbolStrokeWidth: 2, symbolSize: 400, encode: { symbols: { update: { stroke: { value: "#444" } } } } } } } : {}),
        detail: { field: "depth" },
        tooltip: [{ field: "arch" }, { field: "precision" }, { field: "accuracy" }],
      },
    },
  } as Spec;
}

/** Float-minus-retrained gap of the retrained rows, one panel per precision; `x` and `color` pick the axes. */
function gapPanels(rows: readonly Row[], title: string, x: object, color: object): Spec {
  const values = rows.filter((r) => r.mode === "retrained").map((r) => ({ width: r.width, depth: r.depth, gap: pct(gap(r)), precision: r.precision, arch: r.arch }));
  return {
    title,
    data: { values },
    facet: { column: { field: "precision", type: "nominal", sort: precisionScale(rows), title: null } },
    spec: {
      width: 220,
      height: 220,
      mark: { type: "line", point: true },
      encoding: {
        x,
        y: { field: "gap", type: "quantitative", title: "float − retrained (pp)" },
        color,
        tooltip: [{ field: "arch" }, { field: "gap" }],
      },
    },
  } as Spec;
}

/** Float-minus-retrained gap vs hidden width (log x), one line per depth, one panel per precision. */
export function gapVsWidth(rows: readonly Row[], title: string, xTitle = "hidden width (log scale)"): Spec {
  return gapPanels(rows, title, { field: "width", type: "quantitative", scale: { type: "log", base: 2 }, title: xTitle }, { field: "depth", type: "nominal", title: "depth" });
}

/** Float-minus-retrained gap vs depth, one line per width, one panel per precision. */
export function gapVsDepth(rows: readonly Row[], title: string): Spec {
  return gapPanels(rows, title, { field: "depth", type: "ordinal", title: "hidden layers" }, { field: "width", type: "ordinal", title: "width", scale: { scheme: "viridis" } });
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
 * ECR of the retrained nets vs their size; bounds drawn as triangles. One panel per ECR kind present:
 * memory (weights), and for FFDNNs block RAM and logic (area.ts).
 */
export function ecrVsSize(rows: readonly Row[], title: string): Spec {
  const boundLabel = (b: string | undefined) => (b === "exact" ? "exact" : b === "lower" ? "lower bound (≥)" : "upper bound (≤)");
  const kinds = [
    ["memory (weights)", (r: Row) => r.ecr, (r: Row) => r.ecrBound],
    ["block RAM (iCE40 EBR)", (r: Row) => r.ecrEbr, (r: Row) => r.ecrEbrBound],
    ["logic (iCE40 LUT4, estimate)", (r: Row) => r.ecrLut4, (r: Row) => r.ecrLut4Bound],
  ] as const;
  const values = kinds.flatMap(([kind, value, bound]) =>
    rows
      .filter((r) => r.mode === "retrained" && value(r) !== undefined)
      .map((r) => ({ parameters: r.parameters, ecr: value(r)!, bound: boundLabel(bound(r)), precision: r.precision, arch: r.arch, kind })),
  );
  const present = kinds.map((k) => k[0]).filter((k) => values.some((v) => v.kind === k));
  return {
    title,
    data: { values },
    facet: { column: { field: "kind", type: "nominal", sort: present, title: null } },
    spec: {
      width: present.length > 1 ? 300 : 520,
      height: 300,
      mark: { type: "point", size: 70 },
      encoding: {
        x: { field: "parameters", type: "quantitative", scale: { type: "log" }, title: "parameters (log scale)" },
        y: { field: "ecr", type: "quantitative", scale: { type: "log" }, title: "effective compression ratio (log)" },
        color: { field: "precision", type: "nominal", sort: precisionScale(rows) },
        shape: { field: "bound", type: "nominal", scale: { domain: ["exact", "lower bound (≥)", "upper bound (≤)"], range: ["circle", "triangle-up", "triangle-down"] } },
        tooltip: [{ field: "arch" }, { field: "precision" }, { field: "kind" }, { field: "ecr" }, { field: "bound" }],
      },
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
