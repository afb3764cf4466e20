/** Locating the external simulators, with an install hint when one is missing. */
import { spawnSync } from "node:child_process";
import { TritforgeError } from "../util/errors.js";

const DEBIAN_PACKAGE: Record<string, string> = { iverilog: "iverilog", vvp: "iverilog", verilator: "verilator" };

/** Throws a one-line error naming the Debian package when `tool` is not on PATH. */
export function requireTool(tool: string): void {
  const r = spawnSync(tool, ["-V"], { stdio: "ignore" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    const pkg = DEBIAN_PACKAGE[tool] ?? tool;
    throw new TritforgeError(`${tool} not found on PATH: install it with "apt-get install -y ${pkg}"`);
  }
}

export function hasTool(tool: string): boolean {
  const r = spawnSync(tool, ["-V"], { stdio: "ignore" });
  return !(r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT");
}
