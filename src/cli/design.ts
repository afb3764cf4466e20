/**
 * npm run design -- --part up5k|hx8k|xc7a35t|xc7z020 --dataset fashion-mnist|mnist
 *                   [--arch NAME ...] [--min-fps F --clock MHZ] [--logic-limit PCT] [--build [--out DIR]]
 *
 * The most accurate network of the study that fits a part: every stored quantized network of the
 * data set × every hardware architecture × folding, priced with the calibrated cost model; prints
 * the Pareto front (accuracy with seed intervals vs utilization) and the choice. --build re-trains
 * the chosen network from its stored spec, generates its bundle, confirms the fit with Yosys (and
 * nextpnr on iCE40) and co-simulates it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { isDatasetName } from "../data/datasets.js";
import { buildCandidate, priceVsSynthesis, recordToBuild } from "../design/build.js";
import { candidatesFor, storedNetworks } from "../design/candidates.js";
import { findPart, loadPartsTable, type Part } from "../design/parts.js";
import { hardwareArchitectures, PriceCache } from "../design/price.js";
import { choose, DEFAULT_LOGIC_LIMIT, frontRows, inferencesPerSecond, usage, utilization, type Candidate } from "../design/select.js";
import { formatInterval } from "../report/intervals.js";
import { loadSweepConfig } from "../sweep/config.js";
import { mergeRecords, readStore } from "../sweep/store.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";

interface Flags {
  part: string;
  dataset: string;
  arch?: string[];
  minFps?: string;
  clock?: string;
  logicLimit: string;
  store?: string[];
  parts?: string;
  build: boolean;
  out?: string;
  models: string;
  vectors: string;
  front: string;
}

const listJson = (dir: string, ext: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f)) : []);
const n = (v: number) => Math.round(v).toLocaleString("en-US");

function positive(flag: string, v: string): number {
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new TritforgeError(`${flag} must be a positive number, got "${v}"`);
  return x;
}

function resources(c: Candidate, part: Part, limit: number): string {
  return usage(c.footprint!, part, limit)
    .filter((u) => u.resource !== "DSP" && u.resource !== "IO pins")
    .map((u) => `${n(u.used)} ${u.resource}`)
    .join(", ");
}

async function main(): Promise<void> {
  const program = new Command("design")
    .description("Choose the most accurate network of the study that fits an FPGA part (and optionally build and check it).")
    .requiredOption("--part <name>", "FPGA part (see src/design/fpga-parts.json: up5k, hx8k, xc7a35t, xc7z020)")
    .requiredOption("--dataset <name>", "data set: fashion-mnist or mnist")
    .option("--arch <names...>", `hardware architectures to consider (default: all in the registry: ${hardwareArchitectures().join(", ")})`)
    .option("--min-fps <F>", "throughput floor, inferences per second (needs --clock)")
    .option("--clock <MHz>", "clock frequency for the throughput floor")
    .option("--logic-limit <pct>", "percent of the part's LUTs and flip-flops a design may use", String(DEFAULT_LOGIC_LIMIT * 100))
    .option("--store <files...>", "sweep stores (default: results/*.jsonl)")
    .option("--parts <file>", "parts table (default: src/design/fpga-parts.json)")
    .option("--front <n>", "rows of the Pareto front to print: its most accurate designs, the choice among them", "15")
    .option("--build", "re-train the chosen network, generate its bundle, synthesise and co-simulate it", false)
    .option("--out <dir>", "bundle folder for --build (default: hw/design-<part>-<dataset>)")
    .option("--models <dir>", "trained models for --build (reused when present)", ".cache/study/models")
    .option("--vectors <N>", "co-simulation vectors for --build", "32")
    .exitOverride();
  program.parse();
  const o = program.opts<Flags>();
  const table = loadPartsTable(o.parts);
  const part = findPart(table, o.part);
  if (!isDatasetName(o.dataset)) throw new TritforgeError(`--dataset must be fashion-mnist or mnist, got "${o.dataset}"`);
  if ((o.minFps === undefined) !== (o.clock === undefined)) throw new TritforgeError("--min-fps and --clock go together");
  const throughput = o.minFps !== undefined ? { minFps: positive("--min-fps", o.minFps), clockMHz: positive("--clock", o.clock!) } : undefined;
  const limit = parseIntFlag("--logic-limit", o.logicLimit, 1, 100) / 100;
  const archs = o.arch ?? hardwareArchitectures();
  for (const a of archs) if (!hardwareArchitectures().includes(a)) throw new TritforgeError(`unknown architecture "${a}"; choose from ${hardwareArchitectures().join(", ")}`);
  const frontLimit = parseIntFlag("--front", o.front, 1, 1000);
  const vectors = parseIntFlag("--vectors", o.vectors, 1, 10000);

  const stores = o.store ?? listJson("results", ".jsonl");
  for (const s of stores) if (!existsSync(s)) throw new TritforgeError(`store ${s} does not exist`);
  const records = mergeRecords(stores.map((s) => readStore(s).records)).records;
  const configs = listJson("sweeps", ".json").map(loadSweepConfig);
  const nets = storedNetworks(records, configs, o.dataset);
  if (!nets.length) throw new TritforgeError(`no quantized ${o.dataset} networks in ${stores.join(", ") || "the stores"} yet (run its sweep, e.g. scripts/study-sweeps)`);

  const cache = new PriceCache(join(".cache", "design", "prices.json"));
  const cands = candidatesFor(nets, part, cache, { archs, logicLimit: limit, onPriced: (i, total) => process.stderr.isTTY && process.stderr.write(`\rpricing ${i}/${total}`) });
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  cache.save();
  const choice = choose(cands, part, { throughput, logicLimit: limit });

  const L: string[] = [];
  const bram = part.family === "ice40" ? "EBR (4 kbit)" : "RAMB36";
  L.push(`design: ${part.label}: ${n(part.lut)} ${part.family === "ice40" ? "LUT4" : "LUT6"}, ${n(part.ff)} flip-flops, ${part.bram.count} ${bram}, ${part.dsp} DSP, ${part.io} IO (${part.source})`);
  const priced = cands.filter((c) => c.footprint).length;
  L.push(`${o.dataset}: ${nets.length} stored networks x ${archs.join(", ")} foldings = ${cands.length} candidates; ${priced} priced with the cost model, ${choice.fitting} fit (LUTs and flip-flops within ${Math.round(limit * 100)}% of the part)${throughput ? `, floor ${n(throughput.minFps)} inferences/s at ${throughput.clockMHz} MHz` : ""}`);
  const skipped = cands.filter((c) => !c.footprint);
  for (const kind of ["too big", "not buildable"] as const) {
    const k = skipped.filter((c) => c.skipKind === kind);
    if (k.length) L.push(`not priced, ${kind}: ${k.length} (e.g. ${k[0]!.network} ${k[0]!.precision} on ${k[0]!.hwArch}: ${k[0]!.skipped})`);
  }
  if (choice.front.length) {
    const rows = frontRows(choice.front, choice.best, frontLimit, part, limit);
    const shown = rows.length < choice.front.length ? `; the ${rows.length} most accurate of its ${choice.front.length} designs, --front ${choice.front.length} lists all` : "";
    L.push("", `Pareto front of the fitting candidates: more accurate, smaller or faster than every other (accuracy: mean ± 95% CI over seeds; utilization: largest share of the allowed LUTs, flip-flops, ${bram}${shown}; ◀ the choice):`, "");
    L.push(`| network | precision | sweep | architecture | folding | accuracy | seeds | resources | utilization | inferences/s${throughput ? ` at ${throughput.clockMHz} MHz` : " per MHz"} |`, "|---|---|---|---|---|---|---|---|---|---|");
    for (const c of rows) {
      const fps = inferencesPerSecond(c.footprint!, throughput?.clockMHz ?? 1);
      L.push(`| ${c.network}${c === choice.best ? " ◀" : ""} | ${c.precision} | ${c.sweep} | ${c.hwArch} | ${c.folding} | ${formatInterval(c.accuracy)} | ${c.accuracy.n} | ${resources(c, part, limit)} | ${(utilization(c.footprint!, part, limit) * 100).toFixed(0)}% | ${fps >= 100 ? n(fps) : fps.toPrecision(3)} |`);
    }
  }
  process.stdout.write(L.join("\n") + "\n");
  if (!choice.best) throw new TritforgeError(choice.reason!);
  const b = choice.best;
  const fps = throughput ? `, ${n(inferencesPerSecond(b.footprint!, throughput.clockMHz))} inferences/s at ${throughput.clockMHz} MHz` : "";
  process.stdout.write(`\nchoice: ${b.network} ${b.precision} (${b.sweep}), ${b.hwArch} ${b.folding}: ${formatInterval(b.accuracy)} over ${b.accuracy.n} seed(s); ${resources(b, part, limit)}; ${b.footprint!.interval.toLocaleString("en-US")} cycles per inference${fps}\n`);
  if (!o.build) return;

  const rec = recordToBuild(b, records);
  const outDir = o.out ?? join("hw", `design-${part.name}-${o.dataset}`);
  const r = await buildCandidate(b, rec, part, { outDir, modelRoot: o.models, vectors, onProgress: (line) => process.stderr.write(`design: ${line}\n`) });
  const same = r.accuracy.rerun === r.accuracy.stored;
  process.stdout.write(
    [
      `build: point ${r.pointId} (seed ${r.seed}) re-trained: test accuracy ${(r.accuracy.rerun * 100).toFixed(2)}% (stored ${(r.accuracy.stored * 100).toFixed(2)}%: ${same ? "reproduced" : "DIFFERS"})`,
      `build: bundle ${r.bundleDir} (${b.hwArch}, ${b.folding})`,
      `build: synthesis on ${part.label}: ${r.fit.used.map((u) => `${n(u.used)}/${n(u.available)} ${u.resource}`).join(", ")}${r.fit.fmaxMHz !== undefined ? `; nextpnr fmax ${r.fit.fmaxMHz.toFixed(1)} MHz` : ""}: ${r.fit.fits ? "fits" : `DOES NOT FIT (${r.fit.problems.join("; ")})`}`,
      `build: cost model against synthesis: ${priceVsSynthesis(b, r.fit, part).join(", ")}`,
      `build: co-simulation: ${r.cosim.vectors - r.cosim.mismatches}/${r.cosim.vectors} vectors bit-exact (${r.cosim.source})`,
    ].join("\n") + "\n",
  );
  if (!r.fit.fits || r.cosim.mismatches > 0 || !same) process.exitCode = 1;
}

runCli(main);
