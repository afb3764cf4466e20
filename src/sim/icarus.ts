/** Icarus Verilog behind the simulator interface: iverilog -g2005 compiles, vvp runs. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TritforgeError } from "../util/errors.js";
import { bundleHash, cachedBuild } from "./build-cache.js";
import { run, type RunRequest, type Simulator } from "./simulator.js";
import { requireTool } from "./tools.js";

const version = (): string => spawnSync("iverilog", ["-V"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "iverilog";

export const icarus: Simulator = {
  name: "icarus",
  check() {
    requireTool("iverilog");
    requireTool("vvp");
  },
  async run(req: RunRequest) {
    this.check();
    const m = req.manifest;
    const tb = `${m.top}_tb`;
    const t0 = performance.now();
    const { dir } = await cachedBuild("icarus", bundleHash(req.bundleDir, m, version()), async (out) => {
      const r = await run("iverilog", ["-g2005", "-o", join(out, "sim.vvp"), "-s", tb, ...m.files.rtl, m.files.testbench], req.bundleDir);
      if (r.code !== 0) throw new TritforgeError(`iverilog failed on ${req.bundleDir}: ${r.stderr.trim().split("\n")[0]}`);
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const r = await run("vvp", ["-n", join(dir, "sim.vvp"), ...plusargs(req)], req.bundleDir);
    return { stdout: r.stdout + (r.code !== 0 ? `\nERROR vvp exit ${r.code}: ${r.stderr.trim().split("\n")[0] ?? ""}` : ""), buildSeconds, wallSeconds: (performance.now() - t1) / 1000 };
  },
};

export const plusargs = (req: RunRequest): string[] => [
  `+inputs=${req.inputFile}`,
  `+outputs=${req.outputFile}`,
  `+vectors=${req.count}`,
  `+stall=${req.stall}`,
  `+seed=${req.seed}`,
  `+maxcycles=${req.maxCycles}`,
];
