/** Generated designs are lint-clean Verilog-2005 with no initial blocks outside ROM loading. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chainLayer, randomChainNetwork, randomDenseNetwork, type ChainLayerSpec } from "../src/ir/random.js";
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
  // Every P the generator accepts (1..1024): above 64 lanes included (Verilator's loop-unroll limit).
  { name: "p65", sizes: [20, 130, 10], levels: [3], lanes: 65, inputBits: 8 },
  { name: "p100", sizes: [7, 100, 3], levels: [15, 3], lanes: 100, inputBits: 16 },
  { name: "p1024", sizes: [12, 1100, 10], levels: [3], lanes: 1024, inputBits: 8 },
];

const { conv, pool, flatten, dense } = chainLayer;
// Designs with convolutions (window walk, padding, pooling on the accumulators).
const cnns: Array<{ name: string; input: number[]; layers: ChainLayerSpec[]; levels: number; lanes: number; inputBits: number }> = [
  { name: "cnn_trained_shape_p16", input: [28, 28, 1], layers: [conv(16, 3, 1), pool(2, 2), conv(16, 3, 1), pool(2, 2), conv(32, 3, 1), pool(2, 2), flatten, dense(128), dense(10)], levels: 3, lanes: 16, inputBits: 8 },
  { name: "cnn_pad4_pool3s2_p3", input: [9, 7, 2], layers: [conv(5, 5, 4), pool(3, 2), conv(3, 1, 0), flatten, dense(3)], levels: 7, lanes: 3, inputBits: 4 },
  { name: "cnn_conv_logits_p1", input: [4, 4, 1], layers: [conv(2, 3, 0), conv(1, 1, 0)], levels: 15, lanes: 1, inputBits: 1 },
  { name: "cnn_no_pool_wide_lanes", input: [5, 5, 3], layers: [conv(7, 3, 1), flatten, dense(2)], levels: 3, lanes: 40, inputBits: 8 },
  // P not dividing the channel counts: lanes over outputs (second walker, rotated weights).
  { name: "cnn_trained_shape_p15", input: [28, 28, 1], layers: [conv(16, 3, 1), pool(2, 2), conv(16, 3, 1), pool(2, 2), conv(32, 3, 1), pool(2, 2), flatten, dense(128), dense(10)], levels: 3, lanes: 15, inputBits: 8 },
  { name: "cnn_outputs_p2_m7", input: [6, 5, 1], layers: [conv(3, 3, 2), pool(2, 3), conv(5, 1, 0), flatten, dense(2)], levels: 7, lanes: 2, inputBits: 8 },
  // Lanes over outputs only on an unpadded layer (the second walker needs no row/column counters).
  { name: "cnn_outputs_unpadded_p4", input: [7, 7, 1], layers: [conv(4, 3, 1), conv(5, 3, 0), pool(2, 2), flatten, dense(3)], levels: 3, lanes: 4, inputBits: 8 },
];

// Every P from 1 to 17 on one small CNN (16 and 11 channels: lanes over channels and over outputs).
for (let lanes = 1; lanes <= 17; lanes++)
  cnns.push({ name: `cnn_every_p_${lanes}`, input: [8, 8, 2], layers: [conv(16, 3, 1), pool(2, 2), conv(11, 3, 1), flatten, dense(10)], levels: 3, lanes, inputBits: 8 });

const networks = [
  ...designs.map((d) => ({ name: d.name, lanes: d.lanes, net: () => randomDenseNetwork({ name: d.name, seed: 1, sizes: d.sizes, levels: d.levels, inputBits: d.inputBits }) })),
  ...cnns.map((d) => ({ name: d.name, lanes: d.lanes, net: () => randomChainNetwork({ seed: 1, ...d }) })),
];

describe("verilator --lint-only -Wall", () => {
  for (const d of networks) {
    it(`${d.name} is lint clean and loads ROMs only in initial blocks`, async () => {
      const net = d.net();
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
      // No multiplier in hardware: the only '*' outside comments, attributes and @(*) is genvar slice indexing (k*N).
      const code = rtl.replace(/\/\/.*$/gm, "").replace(/\(\*[^)]*\*\)/g, "").replace(/@\(\*\)/g, "");
      const stars = [...code.matchAll(/[^\s]*\*[^\s]*/g)].map((m) => m[0]);
      for (const s of stars) expect(s).toMatch(/\[k\*\d+(\+\d+)?(\]|$)/);
    });
  }
});
