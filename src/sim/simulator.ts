/**
 * One interface over the simulators that run a bundle's generated testbench: Icarus Verilog (the
 * default) and Verilator. Both get the same testbench, the same input file and plusargs, and write
 * the same output file, parsed here into the same result.
 */
import { spawn } from "node:child_process";
import { TritforgeError } from "../util/errors.js";
import type { Manifest } from "../hw/bundle/manifest.js";

export type SimulatorName = "icarus" | "verilator";
export const SIMULATORS: readonly SimulatorName[] = ["icarus", "verilator"];

export interface SimVector {
  vector: number;
  predicted: number;
  /** Latency: first accepted input beat to last accepted output beat, inclusive. */
  cycles: number;
  /** Cycle of the inference's first accepted input beat. */
  start: number;
  logits: number[];
}

export interface SimResult {
  simulator: SimulatorName;
  vectors: SimVector[];
  /** Cycles simulated until the last output packet. */
  totalCycles: number;
  /** Wall time of the simulation run itself (without building). */
  wallSeconds: number;
  /** Wall time spent building (0 when the build was cached). */
  buildSeconds: number;
  runDir: string;
  outputFile: string;
}

export interface RunRequest {
  bundleDir: string;
  manifest: Manifest;
  inputFile: string;
  outputFile: string;
  count: number;
  stall: number;
  seed: number;
  maxCycles: number;
  /** Extra plusargs (the protocol checker's fault plan). */
  extraArgs?: string[];
}

export interface Build {
  /** Folder of the cached build. */
  dir: string;
  /** Seconds spent building now (0 when it was cached). */
  seconds: number;
}

export interface Simulator {
  name: SimulatorName;
  /** Throws a one-line error naming the Debian package when a tool is missing. */
  check(): void;
  /**
   * Builds the bundle's testbench (or, with `tbModule`, that module of manifest.files.testbench:
   * the protocol checker), or finds the cached build for unchanged files.
   */
  build(bundleDir: string, manifest: Manifest, tbModule?: string): Promise<Build>;
  /** Runs a build; returns the testbench's stdout and the run's wall time. */
  exec(build: Build, req: RunRequest): Promise<{ stdout: string; wallSeconds: number }>;
}

export function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
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

/** Parses the testbench's output file: "<logits...> | <vector> <class> <latency> <start>" per line. */
export function parseSimOutput(text: string, classes: number): SimVector[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      const [left, right] = line.split("|");
      const logits = (left ?? "").trim().split(/\s+/).map(Number);
      const nums = (right ?? "").trim().split(/\s+/).map(Number);
      const [vector, predicted, cycles, start] = nums;
      if (logits.length !== classes || nums.length !== 4 || nums.some((v) => !Number.isFinite(v)) || logits.some((v) => !Number.isFinite(v)))
        throw new TritforgeError(`simulation output line ${i + 1} is malformed: "${line}"`);
      return { vector: vector!, predicted: predicted!, cycles: cycles!, start: start!, logits };
    });
}

/** The testbench's verdict line: DONE, or the first AXI_VIOLATION / TIMEOUT / ERROR line. */
export function verdict(stdout: string): { done: true; cycles: number } | { done: false; why: string } {
  const bad = stdout.split("\n").find((l) => /^(AXI_VIOLATION|TIMEOUT|ERROR)/.test(l));
  if (bad) return { done: false, why: bad.trim() };
  const done = /DONE (\d+) vectors in (\d+) cycles/.exec(stdout);
  return done ? { done: true, cycles: Number(done[2]) } : { done: false, why: "the testbench ended without a DONE line" };
}
