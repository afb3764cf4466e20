/**
 * Verilator behind the simulator interface: the same testbench built with
 * `verilator --binary --timing -O3` (cached per bundle hash), then run as a program.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TritforgeError } from "../util/errors.js";
import { bundleHash, cachedBuild } from "./build-cache.js";
import { plusargs } from "./icarus.js";
import { run, type RunRequest, type Simulator } from "./simulator.js";
import { requireTool } from "./tools.js";

const version = (): string => spawnSync("verilator", ["--version"], { encoding: "utf8" }).stdout.trim();

export const verilator: Simulator = {
  name: "verilator",
  check() {
    requireTool("verilator");
  },
  async run(req: RunRequest) {
    this.check();
    const m = req.manifest;
    const tb = `${m.top}_tb`;
    const t0 = performance.now();
    const { dir } = await cachedBuild("verilator", bundleHash(req.bundleDir, m, version()), async (out) => {
      const args = ["--binary", "--timing", "-O3", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module", tb, "-Mdir", join(out, "obj"), "-o", "sim", ...m.files.rtl, m.files.testbench];
      const r = await run("verilator", args, req.bundleDir);
      if (r.code !== 0) throw new TritforgeError(`verilator failed on ${req.bundleDir}: ${(r.stderr.split("\n").find((l) => /%Error/.test(l)) ?? r.stderr.trim().split("\n")[0] ?? "").trim()}`);
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const r = await run(join(dir, "obj", "sim"), plusargs(req), req.bundleDir);
    return { stdout: r.stdout + (r.code !== 0 ? `\nERROR simulation exit ${r.code}: ${r.stderr.trim().split("\n")[0] ?? ""}` : ""), buildSeconds, wallSeconds: (performance.now() - t1) / 1000 };
  },
};
