/**
 * Names that reach Verilog, scripts, file names and READMEs are validated when an IR loads: no
 * injection through a layer, network or data set name, and any name that loads generates RTL that
 * lints clean.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseNetwork, serializeNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { NAME_MAX } from "../src/ir/schema.js";
import { generateBundle } from "../src/hw/registry.js";
import { lintBundle } from "../src/sim/lint.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-names-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Json = { name: string; layers: Array<Record<string, unknown>>; provenance: Record<string, unknown> };
const base = (): Json => JSON.parse(serializeNetwork(randomDenseNetwork({ name: "names_net", seed: 1, sizes: [4, 3, 2] }))) as Json;

function tool(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", `src/cli/${script}.ts`, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("names at the IR boundary", () => {
  const refused: Array<[string, (j: Json) => void, RegExp]> = [
    ["a layer name with a newline (Verilog injection)", (j) => (j.layers[0]!.name = 'fc0\ninitial $display("PWNED");'), /layers\[0\]\.name: layer names use letters/],
    ["a layer name with a carriage return", (j) => (j.layers[1]!.name = "fc1\r"), /layers\[1\]\.name: layer names use letters/],
    ["a layer name closing a block comment", (j) => (j.layers[1]!.name = "a*/b"), /layers\[1\]\.name/],
    ["a layer name too long", (j) => (j.layers[0]!.name = "l".repeat(NAME_MAX + 1)), /layers\[0\]\.name: at most 64 characters/],
    ["a multi-line data set (README injection)", (j) => (j.provenance.dataset = "mnist\n# Owned"), /provenance\.dataset: dataset must be a data set name or a folder path/],
    ["a split with markup", (j) => (j.provenance.accuracy = { split: "test <b>", samples: 10, correct: 5, value: 0.5 }), /provenance\.accuracy\.split/],
    ["more correct than samples", (j) => (j.provenance.accuracy = { split: "test", samples: 10, correct: 11, value: 1 }), /provenance\.accuracy\.correct: correct must not exceed samples/],
    ["a network name of 65 characters", (j) => (j.name = "n".repeat(NAME_MAX + 1)), /name: name must be at most 64 characters, got 65/],
    ["a network name of 245 characters", (j) => (j.name = "n".repeat(245)), /name: name must be at most 64/],
    ["multi-line notes", (j) => (j.provenance.notes = "a\nb"), /provenance\.notes: must be one line/],
  ];
  for (const [what, mutate, message] of refused)
    it(`refuses ${what}`, () => {
      const j = base();
      mutate(j);
      expect(() => parseNetwork(j, "x.json")).toThrow(message);
    });

  it("gen-rtl refuses an injected layer name with one line and writes nothing", () => {
    const j = base();
    j.layers[0]!.name = 'fc0\ninitial $display("PWNED");';
    const model = join(work, "inject.json");
    writeFileSync(model, JSON.stringify(j));
    const out = join(work, "inject_out");
    const r = tool("gen-rtl", ["--model", model, "--out", out, "--no-sim"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: invalid network .*layers\[0\]\.name/);
    expect(existsSync(out)).toBe(false);
  });

  it("a name of the longest allowed length generates RTL that lints clean", async () => {
    const net = randomDenseNetwork({ name: `n${"x".repeat(NAME_MAX - 1)}`, seed: 1, sizes: [5, 4, 3] });
    const withLongLayers = parseNetwork({ ...net, layers: net.layers.map((l, i) => ({ ...l, name: `${i}${"y/.:-_".repeat(20)}`.slice(0, NAME_MAX) })) });
    const dir = join(work, "longest");
    await generateBundle(withLongLayers, dir, "mac-array", { lanes: 2 });
    expect(lintBundle(dir).messages).toEqual([]);
  });

  it("make-random-model refuses a 5,000-character name with one line and writes nothing", () => {
    const out = join(work, "long.json");
    const r = tool("make-random-model", ["--sizes", "4,2", "--name", "n".repeat(5000), "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: --name must be at most 64 characters, got 5000\n");
    expect(existsSync(out)).toBe(false);
  });
});
