/**
 * Where a dataflow design's LUTs go: every cell of the top module is moved, by the section of the
 * generated Verilog its `src` line lies in (the template's `// ---- ...` headings), into a submodule
 * of its own, kept as hierarchy through `synth_xilinx`; the statistics are then summed per part
 * over the hierarchy (lane-pair and adder modules count for the part that instantiates them).
 * Partitioning forbids optimisation across sections, so the total lies somewhat above a flat
 * synthesis. Run by `npx tsx bench/dataflow-breakdown.ts DIR`.
 */
import { IDENTIFIER_RE } from "../bundle/manifest.js";
import { TritforgeError } from "../../util/errors.js";

/** Section label of every line of the top module's Verilog (index = line - 1): `<role>_l<layer>` or `io`. */
export function sectionLabels(lines: readonly string[]): string[] {
  let label = "io";
  let layer = "";
  return lines.map((l) => {
    const lay = /^\s*\/\/ Layer (\d+) \(/.exec(l);
    if (lay) {
      layer = `l${lay[1]}`;
      label = `ctl_${layer}`;
    } else if (/^\s*\/\/ (Streams between|Dropped-image|Output)/.test(l)) {
      layer = "";
      label = "io";
    } else if (layer) {
      const h = /^\s*\/\/ ---- (.*)$/.exec(l) ?? /^\s*\/\/ (the beat's word|the beat's biases|requantization|logits)/.exec(l);
      if (h) label = `${roleOf(h[1]!)}_${layer}`;
    }
    return label;
  });
}

const ROLES: Array<[RegExp, string]> = [
  [/^input buffer/, "buf"],
  [/^issue/, "ctl"],
  [/^(memories|reads at issue)/, "rom"],
  [/^the SIMD chunk/, "chunk"],
  [/^pipeline stage/, "pe"],
  [/^PEs/, "pe"],
  [/^max-pooling/, "pool"],
  [/^(sliding-window|window addresses)/, "win"],
  [/^the SIMD inputs/, "chunk"],
  [/^drain/, "drain"],
  [/^the beat's word/, "drain"],
  [/^the beat's biases/, "bias"],
  [/^requantization/, "rq"],
  [/^logits/, "drain"],
];
const roleOf = (heading: string): string => ROLES.find(([re]) => re.test(heading))?.[1] ?? "other";

/** What each role is, for the report. */
export const PART_NAMES: Record<string, string> = {
  buf: "activation buffers",
  chunk: "activation buffers",
  ctl: "issue control (fold counters, addresses, credits)",
  rom: "weight ROM reads (+ window reads)",
  pe: "accumulators (+ pipeline flags)",
  pool: "pooling maxima",
  win: "window generator",
  drain: "drain registers and word select",
  bias: "per-beat bias ROM and adders",
  rq: "requantizers",
  io: "AXI framing, dropped-image flags, output buffer and argmax",
  other: "other",
  lanes: "lanes + level-1 adders (pair/lane modules)",
  tree: "adder-tree levels >= 2",
  glue: "top module (cells of no section)",
};

/**
 * The Yosys script: read, elaborate, tag each top cell with its line's section, split the sections
 * into kept submodules, synth_xilinx, statistics to stat.json.
 */
export function breakdownScript(top: string, rtlFiles: readonly string[], topFile: string, labels: readonly string[]): string {
  if (!IDENTIFIER_RE.test(top)) throw new TritforgeError(`refusing to synthesise: top ${JSON.stringify(top)} is not a plain identifier`);
  const base = topFile.split("/").pop()!;
  const byLabel = new Map<string, number[]>();
  labels.forEach((lab, i) => (byLabel.get(lab) ?? byLabel.set(lab, []).get(lab)!).push(i + 1));
  const tags = [...byLabel].flatMap(([lab, lines]) => lines.map((n) => `setattr -set submod "\\"${lab}\\"" ${top}/a:src=*${base}:${n}.*`));
  return [
    ...rtlFiles.map((f) => `read_verilog -DSYNTHESIS ${f}`),
    `hierarchy -top ${top}`,
    "proc",
    "memory -nomap",
    "opt_clean",
    ...tags,
    "submod",
    ...[...byLabel.keys()].map((lab) => `setattr -mod -set keep_hierarchy 1 ${lab}`),
    `synth_xilinx -top ${top} -family xc7`,
    "tee -q -o stat.json stat -json",
    "",
  ].join("\n");
}

export interface PartCells {
  lut: number;
  lutramLuts: number;
  ff: number;
  carry4: number;
  bram36: number;
}

type StatModules = Record<string, { num_cells_by_type?: Record<string, number> }>;

const LUTRAM_LUTS: Array<[RegExp, number]> = [
  [/^RAM(32|64)M(16)?$/, 4],
  [/^RAM\d+X1D$/, 2],
  [/^RAM\d+X1S$/, 1],
];

const zero = (): PartCells => ({ lut: 0, lutramLuts: 0, ff: 0, carry4: 0, bram36: 0 });
function addInto(a: PartCells, b: PartCells, k = 1): void {
  a.lut += k * b.lut;
  a.lutramLuts += k * b.lutramLuts;
  a.ff += k * b.ff;
  a.carry4 += k * b.carry4;
  a.bram36 += k * b.bram36;
}

/** Cells per part (keys of PART_NAMES) summed over the hierarchy below the top module. */
export function summarizeBreakdown(modules: StatModules, top: string): Map<string, PartCells> {
  const norm = (n: string) => n.replace(/^\\/, "");
  const mods = new Map(Object.entries(modules).map(([k, v]) => [norm(k), v.num_cells_by_type ?? {}]));
  const own = (types: Record<string, number>): PartCells => {
    const t = zero();
    for (const [c, n] of Object.entries(types)) {
      if (/^LUT[1-6]$/.test(c)) t.lut += n;
      else if (/^FD[CPRS]E?(_1)?$/.test(c)) t.ff += n;
      else if (c === "CARRY4") t.carry4 += n;
      else if (c === "RAMB36E1") t.bram36 += n;
      else if (c === "RAMB18E1") t.bram36 += n / 2;
      else t.lutramLuts += n * (LUTRAM_LUTS.find(([re]) => re.test(c))?.[1] ?? 0);
    }
    return t;
  };
  const total = (name: string): PartCells => {
    const types = mods.get(name)!;
    const t = own(types);
    for (const [c, n] of Object.entries(types)) if (mods.has(norm(c))) addInto(t, total(norm(c)), n);
    return t;
  };
  const topTypes = mods.get(top);
  if (!topTypes) throw new TritforgeError(`breakdown statistics have no module ${top}`);
  const parts = new Map<string, PartCells>();
  const bump = (part: string, t: PartCells, k = 1) => addInto(parts.get(part) ?? parts.set(part, zero()).get(part)!, t, k);
  bump("glue", own(topTypes));
  for (const [c, n] of Object.entries(topTypes)) {
    const sub = norm(c);
    if (!mods.has(sub)) continue;
    const role = /([a-z]+)(?:_l\d+)?\\?"?$/.exec(sub.slice(top.length))?.[1] ?? "other";
    const subTypes = mods.get(sub)!;
    bump(role, own(subTypes), n);
    for (const [cc, nn] of Object.entries(subTypes)) {
      const inner = norm(cc);
      if (!mods.has(inner)) continue;
      const part = role === "pe" ? (/_(pair|lane)$/.test(inner) ? "lanes" : "tree") : role;
      bump(part, total(inner), nn * n);
    }
  }
  return parts;
}

/** Markdown table of the parts, largest first, with the total. */
export function breakdownTable(parts: Map<string, PartCells>): string {
  const all = zero();
  for (const t of parts.values()) addInto(all, t);
  const pct = (v: number) => ((100 * v) / all.lut).toFixed(1);
  const rows = [...parts].filter(([, t]) => t.lut + t.ff + t.lutramLuts + t.bram36 > 0).sort((a, b) => b[1].lut - a[1].lut);
  return [
    "| part | LUT | % | LUTs as LUTRAM | FF | CARRY4 | RAMB36-eq. |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(([k, t]) => `| ${PART_NAMES[k] ?? k} | ${t.lut} | ${pct(t.lut)} | ${t.lutramLuts} | ${t.ff} | ${t.carry4} | ${t.bram36} |`),
    `| total (partitioned synthesis) | ${all.lut} | 100 | ${all.lutramLuts} | ${all.ff} | ${all.carry4} | ${all.bram36} |`,
  ].join("\n");
}
