/**
 * Board bitstream build: the bundle's own board/<board>/synth.ys in Yosys (system or WebAssembly),
 * nextpnr-ice40 with the board's pins and the core-clock constraint (no --timing-allow-fail: a
 * missed constraint fails the build), then icepack. The steps and arguments are the ones the
 * generated build.sh runs; utilisation and Fmax come from nextpnr's JSON report.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseNextpnrReport } from "../cost/nextpnr.js";
import { ICE40_PARTS, ice40FitProblems, type Ice40PartName } from "../cost/parts.js";
import { ice40Cells, parseStatJson, type Ice40Cells } from "../cost/stats.js";
import { cacheKey, DEFAULT_CACHE_DIR, findYosys, runYosysScript, type YosysPreference } from "../cost/yosys.js";
import { loadManifest } from "../hw/bundle/manifest.js";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { findBoard } from "./boards.js";
import { readBoardConfig } from "./bundle.js";
import { boardSources } from "./render.js";

export interface BoardBuildResult {
  board: string;
  part: string;
  bitstream: string;
  coreMHz: number;
  fmaxMHz: number;
  utilization: Record<string, { used: number; available: number }>;
  cells: Ice40Cells;
  /** Wall-clock seconds of synthesis (of the cached run when served from the cache) and place and route. */
  seconds: { synth: number; pnr: number };
  synthCached: boolean;
}

export interface BoardBuildOptions {
  yosys?: YosysPreference;
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; log: string; timedOut: boolean }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    const keep = (b: Buffer) => (log = (log + b.toString()).slice(-40000));
    p.stdout.on("data", keep);
    p.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, timeoutMs);
    p.on("error", (err) => {
      clearTimeout(timer);
      rej(new TritforgeError(`cannot start ${cmd}: ${err.message} (Debian packages: nextpnr-ice40, fpga-icestorm)`));
    });
    p.on("close", (code) => {
      clearTimeout(timer);
      res({ code: code ?? 1, log, timedOut });
    });
  });
}

/** "Max frequency for clock 'clk': 25.18 MHz (FAIL at 40.00 MHz)" -> the achieved and wanted MHz. */
export function timingFailure(log: string): { clock: string; achieved: number; wanted: number } | null {
  const m = /Max frequency for clock\s+'([^']+)':\s*([\d.]+) MHz \(FAIL at ([\d.]+) MHz\)/.exec(log);
  return m ? { clock: m[1]!, achieved: Number(m[2]), wanted: Number(m[3]) } : null;
}

export async function buildBoard(bundleDir: string, boardName: string, o: BoardBuildOptions = {}): Promise<BoardBuildResult> {
  const bundle = resolve(bundleDir);
  const m = loadManifest(bundle);
  const cfg = readBoardConfig(bundle, boardName);
  const board = findBoard(cfg.board);
  const part = ICE40_PARTS[board.part as Ice40PartName];
  const timeoutMs = o.timeoutMs ?? 30 * 60 * 1000;
  const progress = o.onProgress ?? (() => undefined);
  const f = cfg.files;
  const buildDir = dirname(join(bundle, f.bitstream));
  mkdirSync(buildDir, { recursive: true });

  // 1. Yosys on a copy of the design files (the WebAssembly build sees only the files it is given).
  const tool = findYosys(o.yosys ?? "auto");
  const script = readFileSync(join(bundle, f.synth), "utf8");
  const sources = [...m.files.rtl, ...m.files.mem, ...boardSources(cfg)].map((rel): [string, string] => [rel, join(bundle, rel)]);
  for (const [rel, abs] of sources) if (!existsSync(abs)) throw new TritforgeError(`${bundleDir}: ${rel} is missing`);
  const key = cacheKey(tool, script, sources);
  const cacheDir = join(DEFAULT_CACHE_DIR, `board-${cfg.board}-${key}`);
  let synthSeconds = 0;
  const synthCached = existsSync(join(cacheDir, "netlist.json")) && existsSync(join(cacheDir, "stat.json"));
  if (!synthCached) {
    progress(`yosys synth_ice40 (${tool.version}) ...`);
    const work = mkdtempSync(join(tmpdir(), "tritforge-board-"));
    try {
      for (const [rel, abs] of sources) {
        mkdirSync(dirname(join(work, rel)), { recursive: true });
        copyFileSync(abs, join(work, rel));
      }
      mkdirSync(join(work, relative(bundle, buildDir)), { recursive: true });
      const r = await runYosysScript(tool, work, script, [f.netlist, f.stat], timeoutMs, `${m.name} (${board.name} synthesis)`);
      synthSeconds = r.seconds;
      for (const out of [f.netlist, f.stat]) if (!existsSync(join(work, out))) throw new TritforgeError(`${m.name}: Yosys finished but wrote no ${out}`);
      mkdirSync(cacheDir, { recursive: true });
      writeFileAtomic(join(cacheDir, "netlist.json"), readFileSync(join(work, f.netlist)));
      writeFileAtomic(join(cacheDir, "stat.json"), readFileSync(join(work, f.stat)));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  copyFileSync(join(cacheDir, "netlist.json"), join(bundle, f.netlist));
  copyFileSync(join(cacheDir, "stat.json"), join(bundle, f.stat));
  const cells = ice40Cells(parseStatJson(readFileSync(join(bundle, f.stat), "utf8"), `${f.stat}`));
  const problems = ice40FitProblems(cells, 5, part);
  if (problems.length) throw new TritforgeError(`${m.name} does not fit the ${board.label}: ${problems.join("; ")}`);

  // 2. Place and route with the board's pins and clock; a missed constraint is an error.
  progress(`nextpnr-ice40 ${cfg.nextpnrArgs.join(" ")}`);
  rmSync(join(bundle, f.report), { force: true });
  const pnrStart = Date.now();
  const pnr = await run("nextpnr-ice40", cfg.nextpnrArgs, bundle, timeoutMs);
  if (pnr.timedOut) throw new TritforgeError(`${m.name}: nextpnr-ice40 timed out after ${(timeoutMs / 1000).toFixed(0)} s`);
  if (pnr.code !== 0) {
    const t = timingFailure(pnr.log);
    if (t) throw new TritforgeError(`${m.name} on the ${board.label}: timing not met: clock ${t.clock} reaches ${t.achieved} MHz, the board needs ${t.wanted} MHz`);
    const lines = pnr.log.split("\n").map((l) => l.trim()).filter(Boolean);
    throw new TritforgeError(`${m.name} on the ${board.label}: nextpnr-ice40 failed: ${lines.filter((l) => l.startsWith("ERROR")).pop() ?? lines.pop() ?? `exit ${pnr.code}`}`);
  }
  const report = parseNextpnrReport(readFileSync(join(bundle, f.report), "utf8"), part.label, f.report);
  const pnrSeconds = (Date.now() - pnrStart) / 1000;

  // 3. Bitstream.
  progress(`icepack ${f.asc} ${f.bitstream}`);
  const pack = await run("icepack", [f.asc, f.bitstream], bundle, timeoutMs);
  if (pack.code !== 0) throw new TritforgeError(`icepack failed: ${pack.log.trim().split("\n").pop() ?? `exit ${pack.code}`}`);
  return {
    board: board.name,
    part: part.label,
    bitstream: join(bundleDir, f.bitstream),
    coreMHz: cfg.coreMHz,
    fmaxMHz: report.fmaxMHz,
    utilization: report.utilization,
    cells,
    seconds: { synth: synthSeconds, pnr: pnrSeconds },
    synthCached,
  };
}
