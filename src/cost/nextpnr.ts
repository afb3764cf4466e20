/**
 * Place and route with nextpnr-ice40 (Debian package) on the synth_ice40 netlist, reading Fmax
 * and utilisation from its JSON report (--report), never from its log.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";
import type { Ice40Part } from "./parts.js";

const reportSchema = z.looseObject({
  fmax: z.record(z.string(), z.looseObject({ achieved: z.number(), constraint: z.number().optional() })),
  utilization: z.record(z.string(), z.looseObject({ used: z.number(), available: z.number() })).optional(),
});

export interface PnrReport {
  part: string;
  /** Achieved Fmax of the design clock in MHz (the slowest clock domain if there are several). */
  fmaxMHz: number;
  clock: string;
  utilization: Record<string, { used: number; available: number }>;
}

/** Parses nextpnr's --report JSON. */
export function parseNextpnrReport(text: string, part: string, where = "nextpnr report"): PnrReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TritforgeError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  const r = reportSchema.safeParse(value);
  if (!r.success) throw new TritforgeError(`${where} is not a nextpnr report: ${r.error.issues[0]!.message}`);
  const clocks = Object.entries(r.data.fmax);
  if (clocks.length === 0) throw new TritforgeError(`${where} has no clock in its fmax section`);
  const [clock, f] = clocks.reduce((a, b) => (b[1].achieved < a[1].achieved ? b : a));
  return { part, fmaxMHz: f.achieved, clock, utilization: r.data.utilization ?? {} };
}

export function findNextpnr(bin = "nextpnr-ice40"): string {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new TritforgeError(`${bin} not found: place and route needs the Debian package nextpnr-ice40 (apt-get install nextpnr-ice40); or skip it with --no-pnr`);
  return bin;
}

export interface PnrOptions {
  bin?: string;
  timeoutMs?: number;
  seed?: number;
  /** Target clock in MHz (only steers the placer; the achieved Fmax is reported). */
  freqMHz?: number;
}

/** Places and routes a synth_ice40 JSON netlist on the part; throws a one-line error on failure. */
export function placeAndRoute(netlist: string, part: Ice40Part, what: string, o: PnrOptions = {}): Promise<PnrReport & { seconds: number }> {
  const bin = o.bin ?? "nextpnr-ice40";
  const work = mkdtempSync(join(tmpdir(), "tritforge-pnr-"));
  const report = join(work, "report.json");
  const args = [part.deviceFlag, "--package", part.packageName, "--json", netlist, "--report", report, "--pcf-allow-unconstrained", "--seed", String(o.seed ?? 1), "--freq", String(o.freqMHz ?? 12), "--timing-allow-fail", "-q"];
  const started = Date.now();
  const timeoutMs = o.timeoutMs ?? 20 * 60 * 1000;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    const keep = (b: Buffer) => (log = (log + b.toString()).slice(-20000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const done = (err: TritforgeError | null, value?: PnrReport & { seconds: number }) => {
      clearTimeout(timer);
      rmSync(work, { recursive: true, force: true });
      if (err) reject(err);
      else resolve(value!);
    };
    child.on("error", (err) => done(new TritforgeError(`cannot start ${bin}: ${err.message}`)));
    child.on("close", (code) => {
      if (timedOut) return done(new TritforgeError(`${what}: nextpnr-ice40 timed out after ${(timeoutMs / 1000).toFixed(0)} s`));
      if (code !== 0) {
        const lines = log.split("\n").map((l) => l.trim()).filter(Boolean);
        return done(new TritforgeError(`${what}: nextpnr-ice40 failed on ${part.label}: ${lines.filter((l) => l.startsWith("ERROR")).pop() ?? lines.pop() ?? `exit code ${code}`}`));
      }
      try {
        const r = parseNextpnrReport(readFileSync(report, "utf8"), part.label, `${what} nextpnr report`);
        done(null, { ...r, seconds: (Date.now() - started) / 1000 });
      } catch (err) {
        done(err as TritforgeError);
      }
    });
  });
}
