/** Icarus Verilog behind the simulator interface: iverilog -g2005 compiles, vvp runs. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TritforgeError } from "../util/errors.js";
import { timedBuild } from "./build-cache.js";
import { run, type RunRequest, type Simulator } from "./simulator.js";
import { requireTool } from "./tools.js";

const version = (): string => spawnSync("iverilog", ["-V"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "iverilog";

export const plusargs = (req: RunRequest): string[] => [
  `+inputs=${req.inputFile}`,
  `+outputs=${req.outputFile}`,
  `+vectors=${req.count}`,
  `+stall=${req.stall}`,
  `+seed=${req.seed}`,
  `+maxcycles=${req.maxCycles}`,
  ...(req.extraArgs ?? []),
];

/** Runs `cmd` in the bundle folder (ROM images load from mem/ there); a failed exit becomes an ERROR line. */
export async function execIn(cmd: string, args: string[], bundleDir: string): Promise<{ stdout: string; wallSeconds: number }> {
  const t = performance.now();
  const r = await run(cmd, args, bundleDir);
  const failed = r.code !== 0 ? `\nERROR simulator exit ${r.code}: ${r.stderr.trim().split("\n")[0] ?? ""}` : "";
  return { stdout: r.stdout + failed, wallSeconds: (performance.now() - t) / 1000 };
}

export const icarus: Simulator = {
  name: "icarus",
  check() {
    requireTool("iverilog");
    requireTool("vvp");
  },
  build(bundleDir, m, tbModule) {
    this.check();
    return timedBuild("icarus", bundleDir, m, version(), async (out) => {
      const r = await run("iverilog", ["-g2005", "-o", join(out, "sim.vvp"), "-s", tbModule ?? `${m.top}_tb`, ...m.files.rtl, m.files.testbench], bundleDir);
      if (r.code !== 0) throw new TritforgeError(`iverilog failed on ${bundleDir}: ${r.stderr.trim().split("\n")[0]}`);
    });
  },
  exec: (build, req) => execIn("vvp", ["-n", join(build.dir, "sim.vvp"), ...plusargs(req)], req.bundleDir),
};
