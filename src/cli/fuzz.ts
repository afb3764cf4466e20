/**
 * npm run fuzz -- --count N --seed S [--simulator icarus|verilator] [--state FILE] [--repro-dir DIR]
 *
 * Generates N random valid networks (everything the IR schema allows), builds each as a mac-array
 * bundle and co-simulates it against the bit-exact reference; every integer and every latency must
 * match. A failing case is shrunk to a small reproducer (network IR + case file). Resumable: the
 * state file records where the run stands; rerun the same command to continue (or raise --count).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import cliProgress from "cli-progress";
import { Command } from "commander";
import { checkCase } from "../fuzz/check.js";
import { DEFAULT_BUDGET, fuzzCase, type FuzzBudget, type FuzzCase } from "../fuzz/generate.js";
import { shrink } from "../fuzz/shrink.js";
import { writeReproducer } from "../fuzz/repro.js";
import { loadState, newState, record, saveState } from "../fuzz/state.js";
import { simulatorNamed } from "../sim/run.js";
import type { SimulatorName } from "../sim/simulator.js";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";

interface Flags {
  count: string;
  seed: string;
  simulator: string;
  state?: string;
  reproDir: string;
  vectors: string;
  laneCycles: string;
  shrinkAttempts: string;
  progress: boolean;
}

async function main(): Promise<void> {
  const program = new Command("fuzz")
    .description("Co-simulate random valid networks against the bit-exact reference; shrink any failure to a small reproducer.")
    .requiredOption("--count <N>", "cases to run in total (a resumed run continues up to N)")
    .option("--seed <S>", "seed of the whole run", "1")
    .option("--simulator <name>", "icarus or verilator", "icarus")
    .option("--state <file>", "state file (resume point, failures, coverage); default .cache/fuzz/fuzz-<seed>-<simulator>.json")
    .option("--repro-dir <dir>", "where shrunk reproducers go", join(".cache", "fuzz", "failures"))
    .option("--vectors <n>", "input vectors per case (the first is all maximum values)", String(DEFAULT_BUDGET.vectors))
    .option("--lane-cycles <n>", "simulation budget of one inference, sum of ceil(N_out/P) P N_in (widths are narrowed to fit)", String(DEFAULT_BUDGET.laneCycles))
    .option("--shrink-attempts <n>", "variants tried when shrinking a failure", "60")
    .option("--no-progress", "no progress bar")
    .exitOverride();
  program.parse();
  const o = program.opts<Flags>();
  const count = parseIntFlag("--count", o.count, 1, 1_000_000);
  const seed = parseIntFlag("--seed", o.seed, 0);
  const simulator = simulatorNamed(o.simulator).name as SimulatorName;
  simulatorNamed(simulator).check();
  const budget: FuzzBudget = { ...DEFAULT_BUDGET, vectors: parseIntFlag("--vectors", o.vectors, 1, 1000), laneCycles: parseIntFlag("--lane-cycles", o.laneCycles, 1) };
  const shrinkAttempts = parseIntFlag("--shrink-attempts", o.shrinkAttempts, 0, 10_000);
  const stateFile = o.state ?? join(".cache", "fuzz", `fuzz-${seed}-${simulator}.json`);
  const state = loadState(stateFile, newState(seed, simulator, budget));
  saveState(stateFile, state); // fails here, in one line, if the state cannot be written
  // A private simulator build cache, emptied after every case (1,000 builds would fill a disk).
  const work = mkdtempSync(join(tmpdir(), "tritforge-fuzz-"));
  process.env.TRITFORGE_SIM_CACHE = join(work, "sim-cache");
  const start = state.next;
  const bar =
    o.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar({ format: "fuzz [{bar}] {value}/{total} | {failed} failed | case {index}: {what}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
  bar?.start(count, start, { failed: state.failures.length, index: start, what: "" });
  try {
    for (let i = start; i < count; i++) {
      const c = fuzzCase(seed, i, budget);
      const what = `${[c.net.input.shape[0], ...c.net.layers.map((l) => (l.kind === "dense" ? l.outFeatures : 0))].join("-")} P=${c.lanes}${c.stall ? ` stall ${c.stall}%` : ""}`;
      bar?.update(i, { index: i, what });
      const check = (x: FuzzCase) => checkCase(x, { simulator, workDir: work });
      const r = await check(c);
      rmSync(process.env.TRITFORGE_SIM_CACHE, { recursive: true, force: true });
      let reproducer: string | null = null;
      if (!r.ok) {
        bar?.update(i, { index: i, what: `${what}: ${r.kind}, shrinking` });
        const first = r.mismatches.find((m) => m.vector >= 0)?.vector ?? null;
        const s = await shrink(c, async (x) => {
          const rx = await check(x);
          rmSync(process.env.TRITFORGE_SIM_CACHE!, { recursive: true, force: true });
          return { failed: !rx.ok && rx.kind === r.kind, vector: rx.mismatches.find((m) => m.vector >= 0)?.vector ?? null };
        }, first, shrinkAttempts);
        reproducer = writeReproducer(o.reproDir, s.smallest, c, r.kind, r.message, simulator);
        if (!bar) process.stderr.write(`fuzz: case ${i} (${what}) failed: ${r.kind}: ${r.message}; reproducer ${reproducer}\n`);
      }
      record(state, c, r, reproducer);
      saveState(stateFile, state);
      bar?.update(i + 1, { failed: state.failures.length });
      if (!bar && o.progress && ((i + 1) % 25 === 0 || i + 1 === count)) process.stderr.write(`fuzz: ${i + 1}/${count} cases, ${state.failures.length} failed\n`);
    }
  } finally {
    bar?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const t = state.totals;
  process.stdout.write(
    `fuzz seed ${seed} (${simulator}): ${state.next} cases, ${state.passed} passed, ${state.failures.length} failed; ${t.vectors} vectors, ${t.integersCompared} integers compared, ${t.simulatedCycles} cycles simulated in ${t.seconds} s; state ${stateFile}\n`,
  );
  if (state.failures.length) throw new TritforgeError(`${state.failures.length} of ${state.next} fuzz cases failed (first: case ${state.failures[0]!.index}, ${state.failures[0]!.kind}); reproducers in ${o.reproDir}`);
}

runCli(main);
