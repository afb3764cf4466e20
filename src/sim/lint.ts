/** Verilator lint of a generated design (`verilator --lint-only -Wall`). */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { loadManifest } from "../hw/bundle/manifest.js";
import { requireTool } from "./tools.js";

export interface LintResult {
  clean: boolean;
  /** Warning and error lines as Verilator printed them. */
  messages: string[];
}

export function lintBundle(bundleDir: string): LintResult {
  requireTool("verilator");
  const dir = resolve(bundleDir);
  const m = loadManifest(dir);
  const r = spawnSync("verilator", ["--lint-only", "-Wall", "--top-module", m.top, ...m.files.rtl], { cwd: dir, encoding: "utf8" });
  const messages = `${r.stdout}${r.stderr}`.split("\n").filter((l) => /^%(Warning|Error)/.test(l));
  return { clean: r.status === 0 && messages.length === 0, messages };
}
