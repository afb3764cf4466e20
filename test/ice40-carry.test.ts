/**
 * The mac-array lane on iCE40: Yosys' synth_ice40 netlist must never give a carry cell the same net
 * on both operand inputs. Such a cell asks the router for one net on two inputs of one logic cell
 * whose carry inputs cannot be permuted; nextpnr-ice40 0.4 then never converges on the HX8K (the
 * lane's "+ neg" used to enter as neg + neg in an extra low bit, which did exactly that: 8 such
 * cells in hw/mnist_ternary_32, HX8K place and route timed out after 20 min; now 108.5 MHz).
 * Real synthesis of two small designs (ternary and 7-level lanes) and HX8K place and route of one.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { placeAndRoute } from "../src/cost/nextpnr.js";
import { ICE40_PARTS } from "../src/cost/parts.js";
import { findYosys, synthesize } from "../src/cost/yosys.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";
import { generateBundle } from "../src/hw/registry.js";
import { randomDenseNetwork } from "../src/ir/random.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-ice40-carry-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const netlistSchema = z.object({
  modules: z.record(
    z.string(),
    z.object({
      attributes: z.record(z.string(), z.unknown()).optional(),
      cells: z.record(z.string(), z.object({ type: z.string(), connections: z.record(z.string(), z.array(z.union([z.number(), z.string()]))) })),
    }),
  ),
});

/** Names of SB_CARRY cells whose two operand inputs (I0, I1) are the same net (constants excluded). */
function selfAddingCarries(netlistFile: string): string[] {
  const netlist = netlistSchema.parse(JSON.parse(readFileSync(netlistFile, "utf8")));
  const found: string[] = [];
  for (const mod of Object.values(netlist.modules)) {
    for (const [name, cell] of Object.entries(mod.cells)) {
      if (cell.type !== "SB_CARRY") continue;
      const [a] = cell.connections["I0"] ?? [];
      const [b] = cell.connections["I1"] ?? [];
      if (typeof a === "number" && a === b) found.push(name);
    }
  }
  return found;
}

async function synthIce40(name: string, levels: number, lanes: number): Promise<string> {
  const dir = join(work, name);
  await generateBundle(randomDenseNetwork({ name, seed: 11, sizes: [24, 12, 4], levels }), dir, "mac-array", { lanes });
  const r = await synthesize(dir, loadManifest(dir), "ice40", { tool: findYosys("wasm"), cacheDir: join(work, "cache"), timeoutMs: 300_000 });
  expect(r.netlist).toBeDefined();
  return r.netlist!;
}

describe("mac-array lanes on iCE40", () => {
  it("ternary lanes: no carry cell adds a net to itself, and the design routes on the HX8K", async () => {
    const netlist = await synthIce40("carry_t", 3, 4);
    expect(selfAddingCarries(netlist)).toEqual([]);
    const pnr = await placeAndRoute(netlist, ICE40_PARTS.hx8k, "carry_t", { timeoutMs: 300_000 });
    expect(pnr.fmaxMHz).toBeGreaterThan(12);
  }, 600_000);
  it("7-level lanes (shift-add terms): no carry cell adds a net to itself", async () => {
    expect(selfAddingCarries(await synthIce40("carry_m7", 7, 3))).toEqual([]);
  }, 600_000);
});
