/**
 * npm run sweep -- --config sweeps/NAME.json [--workers N] [--store FILE] [--models DIR]
 *                   [--point ID ...] [--seeds 2,3] [--jobs] [--list] [--merge A.jsonl B.jsonl --into FILE]
 *
 * Runs the missing points of a sweep (finished ones are skipped), prints one self-contained command
 * per unfinished point (--jobs), or merges stores written on different machines (--merge).
 * `{host}` in --store is replaced by this machine's host name.
 */
import { hostname } from "node:os";
import { Command } from "commander";
import { parseIntFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";
import { archWeights, loadSweepConfig, describeArch } from "../sweep/config.js";
import { expandPoints, groupByFloat, floatSpecOf, type Point } from "../sweep/points.js";
import { runGroups } from "../sweep/pool.js";
import { describeRecord } from "../sweep/run.js";
import { appendRecord, checkStoreWritable, finishedIds, mergeStores, readStore } from "../sweep/store.js";
import { claimPoints, claimsDir, releaseClaim, type Claim } from "../sweep/claims.js";
import { ensureWritableDir } from "../util/fs.js";
import { DEFAULT_TRAINER_MODULE } from "../sweep/trainer.js";

interface Opts {
  config?: string;
  store?: string;
  models: string;
  workers: string;
  point: string[];
  seeds?: string;
  jobs: boolean;
  list: boolean;
  merge?: string[];
  into?: string;
  trainer: string;
  backend?: string;
  progress: boolean;
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const expandStore = (s: string) => s.replace(/\{host\}/g, hostname());

function describePoint(p: Point): string {
  const f = floatSpecOf(p.spec);
  return `${describeArch(f.arch)} seed ${f.seed} ${p.spec.kind === "float" ? "float" : `M=${p.spec.levels}`}`;
}

async function main(): Promise<void> {
  const program = new Command("sweep")
    .description("Run a resiliency sweep (float, direct-quantized and retrained networks over a grid).")
    .option("--config <file>", "sweep config, e.g. sweeps/ffdnn-fashion.json")
    .option("--store <file>", "result store (JSON lines); default results/<name>.jsonl; {host} = host name")
    .option("--models <dir>", "folder of trained models, keyed by point id", "results/models")
    .option("--workers <n>", "worker processes (0 = run in this process)", "2")
    .option("--point <id...>", "run only these points (in this process unless --workers is given)")
    .option("--seeds <list>", "run only the points of these seeds, e.g. 2,3")
    .option("--jobs", "print one self-contained command per unfinished point, float points first", false)
    .option("--list", "list every point with its status", false)
    .option("--merge <stores...>", "merge these stores into --into")
    .option("--into <file>", "target store of --merge")
    .option("--trainer <module>", "module exporting trainFloat and quantizeAndRetrain", DEFAULT_TRAINER_MODULE)
    .option("--backend <name>", "TF.js backend passed to the trainer")
    .option("--progress", "show training progress bars", false)
    .exitOverride();
  program.parse();
  const o = program.opts<Opts>();
  const workersGiven = program.getOptionValueSource("workers") === "cli";

  if (o.merge) {
    if (!o.into) throw new TritforgeError("--merge needs --into FILE");
    const m = mergeStores(o.merge, o.into);
    process.stdout.write(
      `merged ${o.merge.length} store(s) into ${o.into}: ${m.records.length} records (${m.read} read, ${m.duplicates} duplicates dropped, ${m.conflicts.length} conflicts)\n`,
    );
    if (m.tornInputs.length) process.stderr.write(`warning: ignored torn or invalid lines in ${m.tornInputs.join(", ")}\n`);
    if (m.conflicts.length) {
      process.stderr.write(`warning: points with differing results (first kept): ${m.conflicts.join(", ")}\n`);
      process.exitCode = 3;
    }
    return;
  }
  if (!o.config) throw new TritforgeError("--config FILE is required (or --merge)");
  const config = loadSweepConfig(o.config);
  const storeTemplate = o.store ?? `results/${config.name}.jsonl`;
  const store = expandStore(storeTemplate);
  const workers = parseIntFlag("--workers", o.workers, 0, 64);
  const all = expandPoints(config);
  const contents = readStore(store);
  if (contents.tornTail) process.stderr.write(`note: ${store} ends in a torn line (a crashed write); it is ignored and cut off on the next append\n`);
  if (contents.badLines.length) process.stderr.write(`warning: ${store}: invalid lines ignored: ${contents.badLines.join(", ")}\n`);
  const finished = finishedIds(contents.records);
  const pending = all.filter((p) => !finished.has(p.id));

  if (o.list) {
    for (const p of all) process.stdout.write(`${p.id} ${finished.has(p.id) ? "done   " : "pending"} ${describePoint(p)}\n`);
    process.stdout.write(`${all.length - pending.length}/${all.length} points done in ${store}\n`);
    return;
  }
  if (o.jobs) {
    const ordered = [...pending.filter((p) => p.spec.kind === "float"), ...pending.filter((p) => p.spec.kind !== "float")];
    for (const p of ordered) {
      const args = ["--config", o.config, "--point", p.id, "--store", storeTemplate, "--models", o.models, "--workers", "0"];
      if (o.trainer !== DEFAULT_TRAINER_MODULE) args.push("--trainer", o.trainer);
      if (o.backend) args.push("--backend", o.backend);
      process.stdout.write(`npm run --silent sweep -- ${args.map(shellQuote).join(" ")}\n`);
    }
    return;
  }

  let todo = pending;
  if (o.seeds) {
    const seeds = o.seeds.split(",").map((v) => parseIntFlag("--seeds", v.trim(), 0));
    for (const s of seeds) if (!config.seeds.includes(s)) throw new TritforgeError(`--seeds: ${s} is not a seed of ${o.config} (${config.seeds.join(", ")})`);
    todo = todo.filter((p) => seeds.includes(floatSpecOf(p.spec).seed));
  }
  if (o.point) {
    const known = new Set(all.map((p) => p.id));
    for (const id of o.point) if (!known.has(id)) throw new TritforgeError(`--point ${id} is not a point of ${o.config} (see --list)`);
    const want = new Set(o.point);
    todo = pending.filter((p) => want.has(p.id));
  }
  const runWorkers = o.point && !workersGiven ? 0 : workers;
  checkStoreWritable(store);
  ensureWritableDir(o.models);
  process.stdout.write(
    `sweep ${config.name}: ${all.length} points, ${all.length - pending.length} already in ${store}, running ${todo.length} with ${runWorkers === 0 ? "no worker processes" : `${runWorkers} worker(s)`}\n`,
  );
  const failed: string[] = [];
  const held = new Map<string, Claim>();
  let n = 0;
  // Small networks first: an interrupted sweep has covered as many architectures as possible.
  const groups = groupByFloat(todo).sort((a, b) => archWeights(floatSpecOf(a[0]!.spec).arch) - archWeights(floatSpecOf(b[0]!.spec).arch));
  await runGroups(groups, runWorkers, { sweep: config.name, modelRoot: o.models, backend: o.backend ?? config.backend, progress: o.progress }, o.trainer, {
    claim: async (group) => {
      const c = await claimPoints(store, group);
      for (const h of c.held) held.set(h.point.id, h.claim);
      return c.claimed;
    },
    onRecord: async (r) => {
      await appendRecord(store, r);
      releaseClaim(store, r.id);
      process.stdout.write(`[${++n}/${todo.length}] ${describeRecord(r)}\n`);
    },
    onFailed: (id, message) => {
      releaseClaim(store, id);
      failed.push(id);
      process.stderr.write(`point ${id} failed: ${message}\n`);
    },
  });
  if (held.size) {
    const holders = [...new Set([...held.values()].map((c) => `pid ${c.pid} on ${c.host}`))].join(", ");
    process.stderr.write(`note: ${held.size} point(s) left to another sweep running them on this store (${holders}; claims in ${claimsDir(store)}/)\n`);
  }
  if (failed.length) throw new TritforgeError(`${failed.length} point(s) failed: ${failed.join(", ")} (rerun to retry them)`);
  const left = all.length - finishedIds(readStore(store).records).size;
  process.stdout.write(`sweep ${config.name}: ${all.length - left}/${all.length} points in ${store}${left ? ` (${left} not run)` : ""}\n`);
}

runCli(main);
