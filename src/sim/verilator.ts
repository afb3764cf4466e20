/**
 * Verilator behind the simulator interface: the same testbench built with
 * `verilator --binary --timing -O3` (cached per bundle hash), then run as a program.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TritforgeError } from "../util/errors.js";
import { timedBuild } from "./build-cache.js";
import { execIn, plusargs } from "./icarus.js";
import { run, type Simulator } from "./simulator.js";
import { requireTool } from "./tools.js";

const version = (): string => spawnSync("verilator", ["--version"], { encoding: "utf8" }).stdout.trim();

export const verilator: Simulator = {
  name: "verilator",
  check() {
    requireTool("verilator");
  },
  build(bundleDir, m, tbModule) {
    this.check();
    return timedBuild("verilator", bundleDir, m, version(), async (out) => {
      const args = ["--binary", "--timing", "-O3", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module", tbModule ?? `${m.top}_tb`, "-Mdir", join(out, "obj"), "-o", "sim", ...m.files.rtl, m.files.testbench];
      const r = await run("verilator", args, bundleDir);
      if (r.code !== 0) throw new TritforgeError(`verilator failed on ${bundleDir}: ${(r.stderr.split("\n").find((l) => /%Error/.test(l)) ?? r.stderr.trim().split("\n")[0] ?? "").trim()}`);
    });
  },
  exec: (build, req) => execIn(join(build.dir, "obj", "sim"), plusargs(req), req.bundleDir),
};
