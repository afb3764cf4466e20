/**
 * estimateDesign / estimateDesigns and the estimate CLI: missing tools give one-line messages, a
 * failing design or a part that is too small is reported per design while the batch completes.
 * One tiny real synthesis (a 4-3-2 network, generic target only) runs here.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateDesign, estimateDesigns } from "../src/cost/estimate.js";
import { findNextpnr } from "../src/cost/nextpnr.js";
import { ICE40_PARTS, ice40FitProblems } from "../src/cost/parts.js";
import { findYosys, runYosysScript } from "../src/cost/yosys.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { generateBundle } from "../src/hw/registry.js";
import { TritforgeError } from "../src/util/errors.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-cost-"));
const tiny = join(work, "tiny");
const broken = join(work, "broken");
const cacheDir = join(work, "cache");
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await generateBundle(randomDenseNetwork({ name: "tiny_cost", seed: 3, sizes: [4, 3, 2] }), tiny, "mac-array", { lanes: 2 });
  cpSync(tiny, broken, { recursive: true });
  const rtl = join(broken, "rtl", "tiny_cost_accel.v");
  writeFileSync(rtl, readFileSync(rtl, "utf8").replace("endmodule", "wire oops = ;\nendmodule"));
});

function estimateCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/estimate.ts", ...args], { encoding: "utf8", env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("missing tools", () => {
  it("findYosys names both ways to get Yosys", () => {
    expect(() => findYosys("system", "/nonexistent/yosys")).toThrow(TritforgeError);
    expect(() => findYosys("system", "/nonexistent/yosys")).toThrow(/Yosys not found: synthesis needs a yosys executable \("\/nonexistent\/yosys"\) on PATH; or skip synthesis with --no-synth/);
  });
  it("findNextpnr names the Debian package", () => {
    expect(() => findNextpnr("/nonexistent/nextpnr-ice40")).toThrow(/nextpnr-ice40 not found: place and route needs the Debian package nextpnr-ice40 .*--no-pnr/);
  });
  it("the CLI prints one line and exits 1 when no yosys is on PATH", () => {
    const r = estimateCli([tiny, "--yosys", "system"], { ...process.env, PATH: "/nonexistent" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^error: 1 of 1 bundle\(s\) failed: Yosys not found/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("memory-only estimate (--no-synth)", () => {
  it("CLI --json gives the bits of the 4-3-2 design with P = 2", () => {
    const r = estimateCli([tiny, "--no-synth", "--json"]);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as { memory: { weightRomBits: number; activationBufferBits: number }; synthesis: unknown; arch: { id: string; params: { lanes: number } } };
    // Layer 0: 2 groups x 4 inputs, 2 lanes x 2 bits; layer 1: 1 group x 3 inputs x 4 bits.
    expect(e.memory.weightRomBits).toBe(2 * 4 * 4 + 1 * 3 * 4);
    // Buffers: 4 inputs and 3 hidden activations, 8 bits each.
    expect(e.memory.activationBufferBits).toBe((4 + 3) * 8);
    expect(e.synthesis).toBeNull();
    expect(e.arch).toEqual({ id: "mac-array", params: { lanes: 2 } });
  });
});

describe("a batch reports failures per design and completes", () => {
  it("good, broken-RTL and missing bundles: one tiny real synthesis, two reported failures", async () => {
    const results = await estimateDesigns([tiny, broken, join(work, "missing")], { targets: ["generic"], pnr: false, cacheDir, yosys: "wasm", timeoutMs: 120_000 });
    expect(results).toHaveLength(3);
    const good = results[0]!.estimate!.synthesis!.generic!;
    expect("error" in good).toBe(false);
    if (!("error" in good)) {
      expect(good.cells).toBeGreaterThan(100);
      expect(good.ff).toBeGreaterThan(20);
    }
    const bad = results[1]!.estimate!.synthesis!.generic!;
    expect(bad).toMatchObject({ error: expect.stringMatching(/^tiny_cost \(generic\): Yosys failed: .*(syntax error|ERROR)/) });
    expect(results[2]!.error).toMatch(/is not a hardware bundle: .*manifest\.json not found/);
    // The second run is served from the cache.
    const again = await estimateDesign(tiny, { targets: ["generic"], pnr: false, cacheDir, yosys: "wasm" });
    expect(again.synthesis!.generic).toMatchObject({ cached: true, cells: (good as { cells: number }).cells });
  }, 180_000);

  it("a Yosys run past its timeout is killed and reported", async () => {
    const dir = mkdtempSync(join(work, "timeout-"));
    await expect(runYosysScript(findYosys("wasm"), dir, "help\n", [], 1, "slow design")).rejects.toThrow(/slow design: Yosys timed out after 0 s/);
  });
});

describe("designs too big for a part say why", () => {
  const cells = { cells: 0, lut4: 3044, dff: 1037, carry: 684, ebr: 67, dsp: 0, spram: 0 };
  it("the default design needs 67 EBR: neither UP5K (30) nor HX8K (32) fits", () => {
    expect(ice40FitProblems(cells, 36, ICE40_PARTS.up5k)).toEqual(["needs 67 EBR, iCE40UP5K has 30"]);
    expect(ice40FitProblems(cells, 36, ICE40_PARTS.hx8k)).toEqual(["needs 67 EBR, iCE40HX8K has 32"]);
  });
  it("SPRAM is checked too: the HX8K has none, the UP5K four", () => {
    expect(ice40FitProblems({ ...cells, ebr: 27, spram: 2 }, 36, ICE40_PARTS.up5k)).toEqual([]);
    expect(ice40FitProblems({ ...cells, ebr: 27, spram: 2 }, 36, ICE40_PARTS.hx8k)).toEqual(["needs 2 SPRAM, iCE40HX8K has 0"]);
  });
  it("logic and pins are checked too; a small design fits", () => {
    expect(ice40FitProblems({ ...cells, ebr: 4, lut4: 6000 }, 45, ICE40_PARTS.up5k)).toEqual([
      "needs at least 6000 logic cells, iCE40UP5K has 5280",
      "needs 45 IO pins, iCE40UP5K (sg48) has 39",
    ]);
    expect(ice40FitProblems({ ...cells, ebr: 4, lut4: 1147, dff: 423 }, 36, ICE40_PARTS.up5k)).toEqual([]);
  });
});
