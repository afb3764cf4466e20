/**
 * The Yosys toolchain interface: one `YosysTool` that is either a system `yosys` on PATH or the
 * WebAssembly build from the npm package @yowasp/yosys, run in a child process (so a timeout can
 * kill it). `synthesize` runs one target on one hardware bundle and returns Yosys's JSON
 * statistics; results are cached under .cache/yosys/ keyed by a hash of the tool, the script and
 * every design file.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TritforgeError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { BUNDLE_PATH_RE, IDENTIFIER_RE, type Manifest } from "../hw/bundle/manifest.js";
import { parseStatJson, type CellStats, type SynthTarget } from "./stats.js";

/**
 * A Yosys run: one of the estimate's targets, or "ice40-spram": synth_ice40 with the design's
 * activation buffers (manifest memories of role "activations", single-port RAM in the RTL) placed
 * in UP5K SPRAM (SB_SPRAM256KA) instead of EBR.
 */
export type YosysTarget = SynthTarget | "ice40-spram";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, "..", "..");
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, ".cache", "yosys");

export interface YosysTool {
  kind: "system" | "wasm";
  /** Command line that starts it (for messages). */
  command: string[];
  version: string;
}

export type YosysPreference = "auto" | "system" | "wasm";

function systemYosys(bin: string): YosysTool | null {
  const r = spawnSync(bin, ["-V"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return { kind: "system", command: [bin], version: r.stdout.trim() };
}

function wasmYosys(): YosysTool | null {
  try {
    const req = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(join(dirname(req.resolve("@yowasp/yosys")), "..", "package.json"), "utf8")) as { version: string };
    return { kind: "wasm", command: [process.execPath, "--import", "tsx", join(HERE, "yosys-wasm-runner.ts")], version: `@yowasp/yosys ${pkg.version}` };
  } catch {
    return null;
  }
}

/**
 * Finds Yosys: a system `yosys` (or `bin`) on PATH first when `auto`, else the npm WebAssembly
 * build. Throws a one-line error naming both ways to get it when neither is there.
 */
export function findYosys(prefer: YosysPreference = "auto", bin = "yosys"): YosysTool {
  const tool = prefer === "system" ? systemYosys(bin) : prefer === "wasm" ? wasmYosys() : (systemYosys(bin) ?? wasmYosys());
  if (tool) return tool;
  const want = prefer === "system" ? `a yosys executable ("${bin}") on PATH` : prefer === "wasm" ? "the npm package @yowasp/yosys (run npm ci)" : `yosys on PATH or the npm package @yowasp/yosys (run npm ci)`;
  throw new TritforgeError(`Yosys not found: synthesis needs ${want}; or skip synthesis with --no-synth`);
}

export interface RunResult {
  seconds: number;
  stderr: string;
}

/** Runs a Yosys script in `dir` (the script's working directory), killing it after `timeoutMs`. */
export function runYosysScript(tool: YosysTool, dir: string, script: string, outputs: string[], timeoutMs: number, what: string): Promise<RunResult> {
  const scriptFile = "tritforge-script.ys";
  writeFileSync(join(dir, scriptFile), script);
  const [cmd, ...pre] = tool.command as [string, ...string[]];
  const args = tool.kind === "system" ? [...pre, "-q", "-s", scriptFile] : [...pre, dir, scriptFile, ...outputs];
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: tool.kind === "system" ? dir : REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => (stdout = (stdout + b.toString()).slice(-20000)));
    child.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new TritforgeError(`cannot start ${tool.command.join(" ")}: ${err.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      if (timedOut) return reject(new TritforgeError(`${what}: Yosys timed out after ${(timeoutMs / 1000).toFixed(0)} s`));
      if (code !== 0) {
        const lines = `${stdout}\n${stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
        const err = lines.filter((l) => /ERROR|error/.test(l)).pop() ?? lines.pop() ?? `exit code ${code}`;
        return reject(new TritforgeError(`${what}: Yosys failed: ${err}`));
      }
      resolvePromise({ seconds, stderr });
    });
  });
}

/**
 * The Yosys script of a target; writes the statistics to stat.json (and the iCE40 netlist). Built
 * only from a plain identifier and plain relative paths (checked again here: a script line is code).
 */
export function synthScript(target: YosysTarget, manifest: Pick<Manifest, "files" | "top"> & Partial<Pick<Manifest, "memories">>): string {
  if (!IDENTIFIER_RE.test(manifest.top)) throw new TritforgeError(`refusing to synthesise: top ${JSON.stringify(manifest.top)} is not a plain identifier`);
  for (const f of manifest.files.rtl)
    if (!BUNDLE_PATH_RE.test(f)) throw new TritforgeError(`refusing to synthesise: RTL file ${JSON.stringify(f)} is not a plain relative path inside the bundle`);
  const read = manifest.files.rtl.map((f) => `read_verilog -DSYNTHESIS ${f}`).join("\n");
  if (target === "ice40-spram") {
    const buffers = (manifest.memories ?? []).filter((m) => m.role === "activations").map((m) => m.name);
    for (const b of buffers) if (!IDENTIFIER_RE.test(b)) throw new TritforgeError(`refusing to synthesise: memory ${JSON.stringify(b)} is not a plain identifier`);
    const huge = buffers.map((b) => `setattr -set ram_style "huge" ${manifest.top}/m:${b}`).join("\n");
    return `${read}\n${huge}\nsynth_ice40 -spram -top ${manifest.top} -json netlist.json\ntee -q -o stat.json stat -json\n`;
  }
  const synth =
    target === "generic" ? `synth -top ${manifest.top}` : target === "ice40" ? `synth_ice40 -top ${manifest.top} -json netlist.json` : `synth_xilinx -top ${manifest.top} -family xc7`;
  return `${read}\n${synth}\ntee -q -o stat.json stat -json\n`;
}

export interface SynthResult {
  target: YosysTarget;
  stats: CellStats;
  /** Wall-clock seconds of the Yosys run that produced the result (also when served from cache). */
  seconds: number;
  cached: boolean;
  tool: string;
  /** iCE40 only: path of the cached synthesised netlist (input for nextpnr-ice40). */
  netlist?: string;
}

export interface SynthOptions {
  tool: YosysTool;
  timeoutMs?: number;
  cacheDir?: string;
  /** Ignore cached results (they are still refreshed). */
  noCache?: boolean;
}

/** Design files of a bundle (RTL and ROM images) as relative path -> absolute path. */
export function designFiles(bundleDir: string, manifest: Manifest): Array<[string, string]> {
  return [...manifest.files.rtl, ...manifest.files.mem].map((rel) => {
    const abs = join(bundleDir, rel);
    if (!existsSync(abs)) throw new TritforgeError(`${bundleDir}: ${rel} is listed in manifest.json but missing`);
    return [rel, abs];
  });
}

export function cacheKey(tool: YosysTool, script: string, files: Array<[string, string]>): string {
  const h = createHash("sha256");
  h.update(`${tool.version}\n${script}\n`);
  for (const [rel, abs] of [...files].sort((a, b) => a[0].localeCompare(b[0]))) {
    h.update(`${rel}\n`);
    h.update(readFileSync(abs));
    h.update("\n");
  }
  return h.digest("hex").slice(0, 32);
}

interface CacheMeta {
  seconds: number;
  tool: string;
  target: YosysTarget;
}

/** Synthesises one bundle for one target (or returns the cached result). */
export async function synthesize(bundleDir: string, manifest: Manifest, target: YosysTarget, o: SynthOptions): Promise<SynthResult> {
  const ice40 = target === "ice40" || target === "ice40-spram";
  const files = designFiles(bundleDir, manifest);
  const script = synthScript(target, manifest);
  const key = cacheKey(o.tool, script, files);
  const cacheDir = join(o.cacheDir ?? DEFAULT_CACHE_DIR, `${target}-${key}`);
  const statFile = join(cacheDir, "stat.json");
  const metaFile = join(cacheDir, "meta.json");
  const netlistFile = join(cacheDir, "netlist.json");
  const what = `${manifest.name} (${target})`;
  if (!o.noCache && existsSync(statFile) && existsSync(metaFile) && (!ice40 || existsSync(netlistFile))) {
    const meta = JSON.parse(readFileSync(metaFile, "utf8")) as CacheMeta;
    return { target, stats: parseStatJson(readFileSync(statFile, "utf8"), statFile), seconds: meta.seconds, cached: true, tool: meta.tool, netlist: ice40 ? netlistFile : undefined };
  }
  const outputs = ice40 ? ["stat.json", "netlist.json"] : ["stat.json"];
  const run = await runInCopy(files, script, outputs, o.tool, o.timeoutMs ?? 30 * 60 * 1000, what);
  const text = run.outputs["stat.json"]!;
  const stats = parseStatJson(text, `${what} statistics`);
  mkdirSync(cacheDir, { recursive: true });
  if (ice40) writeFileAtomic(netlistFile, run.outputs["netlist.json"]!);
  writeFileAtomic(statFile, text);
  const meta: CacheMeta = { seconds: run.seconds, tool: o.tool.version, target };
  writeFileAtomic(metaFile, JSON.stringify(meta, null, 2) + "\n");
  return { target, stats, seconds: run.seconds, cached: false, tool: o.tool.version, netlist: ice40 ? netlistFile : undefined };
}

/** Runs a Yosys script on a temporary copy of `files` ([relative, absolute] pairs); returns the outputs' text. */
async function runInCopy(files: Array<[string, string]>, script: string, outputs: string[], tool: YosysTool, timeoutMs: number, what: string): Promise<{ outputs: Record<string, string>; seconds: number }> {
  const work = mkdtempSync(join(tmpdir(), "tritforge-yosys-"));
  try {
    for (const [rel, abs] of files) {
      mkdirSync(dirname(join(work, rel)), { recursive: true });
      copyFileSync(abs, join(work, rel));
    }
    const run = await runYosysScript(tool, work, script, outputs, timeoutMs, what);
    for (const out of outputs) if (!existsSync(join(work, out))) throw new TritforgeError(`${what}: Yosys finished but wrote no ${out}`);
    return { outputs: Object.fromEntries(outputs.map((out) => [out, readFileSync(join(work, out), "utf8")])), seconds: run.seconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs a Yosys script (not cached) on a temporary copy of a bundle's design files; the bundle is never written. */
export function runOnBundleCopy(bundleDir: string, manifest: Manifest, script: string, outputs: string[], tool: YosysTool, timeoutMs: number, what: string): Promise<{ outputs: Record<string, string>; seconds: number }> {
  return runInCopy(designFiles(bundleDir, manifest), script, outputs, tool, timeoutMs, what);
}
