/** Generated designs are lint-clean Verilog-2005 with no initial blocks outside ROM loading. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomDenseNetwork } from "../src/ir/random.js";
import { generateBundle } from "../src/hw/registry.js";
import { lintBundle } from "../src/sim/lint.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-lint-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const designs = [
  { name: "tiny", sizes: [1, 1], levels: [3], lanes: 1, inputBits: 1 },
  { name: "ternary_p16", sizes: [784, 128, 128, 10], levels: [3], lanes: 16, inputBits: 8 },
  { name: "mixed_p3", sizes: [13, 11, 7, 5], levels: [15, 3, 7], lanes: 3, inputBits: 4 },
  { name: "wide_lanes", sizes: [9, 5, 2], levels: [7], lanes: 64, inputBits: 8 },
  { name: "pow2_everything", sizes: [16, 16, 16], levels: [3], lanes: 16, inputBits: 8 },
];

describe("verilator --lint-only -Wall", () => {
  for (const d of designs) {
    it(`${d.name} is lint clean and loads ROMs only in initial blocks`, async () => {
      const net = randomDenseNetwork({ name: d.name, seed: 1, sizes: d.sizes, levels: d.levels, inputBits: d.inputBits });
      const dir = join(work, d.name);
      const { manifest } = await generateBundle(net, dir, "mac-array", { lanes: d.lanes });
      const lint = lintBundle(dir);
      expect(lint.messages).toEqual([]);
      expect(lint.clean).toBe(true);
      const rtl = readFileSync(join(dir, manifest.files.rtl[0]!), "utf8");
      const initialBodies = [...rtl.matchAll(/initial\s+begin([\s\S]*?)end/g)].map((m) => m[1]!.trim());
      expect(initialBodies.length).toBe(manifest.network.layers.length);
      for (const body of initialBodies) for (const stmt of body.split(";").map((s) => s.trim()).filter(Boolean)) expect(stmt).toMatch(/^\$readmemh\(/);
      expect(rtl).not.toMatch(/\binitial\s+(?!begin)/);
      expect(rtl).not.toMatch(/\b(logic|always_ff|always_comb)\b/);
      // No multiplier in hardware: the only '*' outside comments and @(*) is genvar slice indexing (k*N).
      const code = rtl.replace(/\/\/.*$/gm, "").replace(/@\(\*\)/g, "");
      const stars = [...code.matchAll(/[^\s]*\*[^\s]*/g)].map((m) => m[0]);
      for (const s of stars) expect(s).toMatch(/\[k\*\d+(\+\d+)?(\]|$)/);
    });
  }
});
