/**
 * Runs a hardware bundle's testbench in Icarus Verilog: compile once per bundle, then stream input
 * vectors from a file and parse the recorded output packets.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { TritforgeError } from "../util/errors.js";
import type { Manifest } from "../rtl/generate.js";
import { inputLines } from "../rtl/mem.js";
import { requireTool } from "./tools.js";

export interface SimVector {
  vector: number;
  predicted: number;
  cycles: number;
  logits: number[];
}

export interface SimResult {
  vectors: SimVector[];
  totalCycles: number;
  wallSeconds: number;
  runDir: string;
}

export interface SimOptions {
  /** Percentage (0..99) of cycles in which the source withholds data and the sink withholds ready. */
  stall?: number;
  seed?: number;
  /** Folder for the run's files; default a fresh folder under sim/runs/. */
  runDir?: string;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", rej);
    p.on("close", (code) => res({ code: code ?? 1, stdout, stderr }));
  });
}

export function readManifest(bundleDir: string): Manifest {
  const file = join(bundleDir, "manifest.json");
  if (!existsSync(file)) throw new TritforgeError(`${bundleDir} is not a hardware bundle (no manifest.json)`);
  return JSON.parse(readFileSync(file, "utf8")) as Manifest;
}

/** Parses the testbench's output file: "<logits...> | <vector> <class> <cycles>" per line. */
export function parseSimOutput(text: string, classes: number): SimVector[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      const [left, right] = line.split("|");
      const logits = (left ?? "").trim().split(/\s+/).map(Number);
      const [vector, predicted, cycles] = (right ?? "").trim().split(/\s+/).map(Number);
      if (logits.length !== classes || [vector, predicted, cycles].some((v) => v === undefined || !Number.isFinite(v)) || logits.some((v) => !Number.isFinite(v)))
        throw new Error(`simulation output line ${i + 1} is malformed: "${line}"`);
      return { vector: vector!, predicted: predicted!, cycles: cycles!, logits };
    });
}

/**
 * Simulates `count` input vectors (sample-major, manifest.input.features values each) through the
 * bundle's RTL and returns what came out of the output stream.
 */
export async function simulateBundle(bundleDir: string, inputs: ArrayLike<number>, count: number, opts: SimOptions = {}): Promise<SimResult> {
  requireTool("iverilog");
  requireTool("vvp");
  const bundle = resolve(bundleDir);
  const m = readManifest(bundle);
  const features = m.input.features;
  if (inputs.length < count * features) throw new TritforgeError(`need ${count * features} input values for ${count} vectors, got ${inputs.length}`);
  let runDir = opts.runDir;
  if (!runDir) {
    const root = resolve("sim", "runs");
    mkdirSync(root, { recursive: true });
    runDir = mkdtempSync(join(root, `${m.name}-`));
  }
  runDir = resolve(runDir);
  mkdirSync(runDir, { recursive: true });
  const inFile = join(runDir, "inputs.mem");
  const outFile = join(runDir, "outputs.txt");
  const simFile = join(runDir, "sim.vvp");
  const slice = Array.from({ length: count * features }, (_, i) => inputs[i]!);
  writeFileSync(inFile, inputLines(slice, m.input.bits).join("\n") + "\n");
  const tbTop = `${m.top}_tb`;
  const compile = await run("iverilog", ["-g2005", "-o", simFile, "-s", tbTop, `-P${tbTop}.MAXV=${Math.max(1, count)}`, ...m.rtl, m.testbench], bundle);
  if (compile.code !== 0) throw new TritforgeError(`iverilog failed on ${bundle}: ${compile.stderr.trim().split("\n")[0]}`);
  const maxCycles = Math.max(1000, (m.cyclesPerInference + 100) * count * (opts.stall ? 20 : 2));
  const t0 = performance.now();
  const sim = await run("vvp", ["-n", simFile, `+inputs=${inFile}`, `+outputs=${outFile}`, `+vectors=${count}`, `+stall=${opts.stall ?? 0}`, `+seed=${opts.seed ?? 1}`, `+maxcycles=${maxCycles}`], bundle);
  const wallSeconds = (performance.now() - t0) / 1000;
  const done = /DONE (\d+) vectors in (\d+) cycles/.exec(sim.stdout);
  if (sim.code !== 0 || !done) {
    const why = sim.stdout.split("\n").find((l) => /TIMEOUT|ERROR/.test(l)) ?? sim.stderr.trim().split("\n")[0] ?? `exit ${sim.code}`;
    throw new TritforgeError(`simulation of ${m.name} failed: ${why}`);
  }
  const vectors = parseSimOutput(readFileSync(outFile, "utf8"), m.classes);
  return { vectors, totalCycles: Number(done[2]), wallSeconds, runDir };
}
