/**
 * Tool scripts are built from validated identifiers and paths only: estimate (and every reader of
 * a bundle) refuses a manifest whose top or file names are not plain identifiers / relative paths
 * inside the bundle, in one line, before any tool runs.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthScript } from "../src/cost/yosys.js";
import { generateBundle } from "../src/hw/registry.js";
import { randomDenseNetwork } from "../src/ir/random.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-inject-"));
const good = join(work, "good");
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await generateBundle(randomDenseNetwork({ name: "inj", seed: 1, sizes: [4, 3, 2] }), good, "mac-array", { lanes: 2 });
});

type M = { top: string; files: { rtl: string[]; mem: string[]; testbench: string; network: string } };
function variant(name: string, edit: (m: M) => void): string {
  const dir = join(work, name);
  cpSync(good, dir, { recursive: true });
  const file = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(file, "utf8")) as M;
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2));
  return dir;
}

const cases: Array<[string, (m: M) => void, RegExp]> = [
  ["a top with a shell line", (m) => (m.top = "x\n!touch pwned"), /top: must be a Verilog identifier/],
  ["an RTL file name with a shell line", (m) => (m.files.rtl = ["rtl/inj_accel.v\n!touch pwned"]), /files\.rtl\[0\]: must be a relative path of plain names inside the bundle/],
  ["an RTL file outside the bundle", (m) => (m.files.rtl = ["../good/rtl/inj_accel.v"]), /files\.rtl\[0\]: must be a relative path/],
  ["an absolute RTL path", (m) => (m.files.rtl = ["/etc/passwd"]), /files\.rtl\[0\]: must be a relative path/],
  ["a ROM path with a space", (m) => (m.files.mem = ["mem/a b.mem"]), /files\.mem\[0\]: must be a relative path/],
];

describe("estimate refuses a manifest that would inject into a tool script", () => {
  for (const [what, edit, message] of cases)
    it(`refuses ${what}`, () => {
      const dir = variant(what.replace(/\W+/g, "_"), edit);
      const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/estimate.ts", dir, "--no-pnr"], { encoding: "utf8", cwd: process.cwd() });
      expect(r.status).not.toBe(0);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync("pwned")).toBe(false);
    });

  it("synthScript itself takes only an identifier and plain paths", () => {
    expect(() => synthScript("generic", { top: "x\n!touch p", files: { rtl: ["rtl/a.v"], mem: [], testbench: "tb/t.v", network: "network.json" } })).toThrow(/top "x\\n!touch p" is not a plain identifier/);
    expect(() => synthScript("generic", { top: "x", files: { rtl: ["rtl/a.v;!touch p"], mem: [], testbench: "tb/t.v", network: "network.json" } })).toThrow(/is not a plain relative path/);
    expect(synthScript("generic", { top: "inj_accel", files: { rtl: ["rtl/inj_accel.v"], mem: [], testbench: "tb/t.v", network: "network.json" } })).toBe(
      "read_verilog -DSYNTHESIS rtl/inj_accel.v\nsynth -top inj_accel\ntee -q -o stat.json stat -json\n",
    );
  });

  it("the UP5K SPRAM variant marks only the activation buffers, by identifier", () => {
    const mem = (name: string, role: "activations" | "weights") => ({ name, kind: "ram" as const, role, layer: null, depth: 4, width: 8, bits: 32, usedWidth: 8, file: null });
    const files = { rtl: ["rtl/inj_accel.v"], mem: [], testbench: "tb/t.v", network: "network.json" };
    expect(synthScript("ice40-spram", { top: "inj_accel", files, memories: [mem("buf0", "activations"), mem("w_rom_l0", "weights"), mem("buf0b", "activations")] })).toBe(
      'read_verilog -DSYNTHESIS rtl/inj_accel.v\nsetattr -set ram_style "huge" inj_accel/m:buf0\nsetattr -set ram_style "huge" inj_accel/m:buf0b\nsynth_ice40 -spram -top inj_accel -json netlist.json\ntee -q -o stat.json stat -json\n',
    );
    expect(() => synthScript("ice40-spram", { top: "inj_accel", files, memories: [mem("b; !touch p", "activations")] })).toThrow(/memory "b; !touch p" is not a plain identifier/);
  });
});
