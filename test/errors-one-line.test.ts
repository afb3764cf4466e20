/** Failures that used to end in a stack trace or a silent exit: each is one `error:` line and a non-zero exit. */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBundle } from "../src/hw/registry.js";
import { saveNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-errors-"));
const good = join(work, "good");
const model = join(work, "m.json");
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  const net = randomDenseNetwork({ name: "errs", seed: 2, sizes: [6, 5, 3] });
  saveNetwork(net, model);
  await generateBundle(net, good, "mac-array", { lanes: 2 });
});

function cli(name: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", `src/cli/${name}.ts`, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function expectOneLine(r: { code: number | null; stderr: string }, message: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(message);
}
function copyOf(name: string): string {
  const dir = join(work, name);
  cpSync(good, dir, { recursive: true });
  return dir;
}

describe("one-line errors", () => {
  it("sim reports RTL/reference mismatches with an error line and exit 1", () => {
    const dir = copyOf("flipped");
    const rom = join(dir, "mem", readdirSync(join(dir, "mem")).find((f) => f.includes("_w1"))!);
    // Every weight of the output layer becomes -1 (all ones): the RTL now computes with other
    // weights, and the logits are affine in them (no requantizer clamp can hide the change).
    writeFileSync(rom, readFileSync(rom, "utf8").replace(/[0-9a-f]/g, "f"));
    const r = cli("sim", [dir, "--vectors", "4"]);
    expect(r.code).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: .*flipped: RTL and reference disagree on \d+ integer\(s\) in [1-4] of 4 vectors$/);
  });

  it("sim refuses an empty, truncated or incomplete manifest in one line", () => {
    const empty = copyOf("empty");
    writeFileSync(join(empty, "manifest.json"), "");
    expectOneLine(cli("sim", [empty]), /is empty/);
    const truncated = copyOf("truncated");
    writeFileSync(join(truncated, "manifest.json"), readFileSync(join(good, "manifest.json"), "utf8").slice(0, 200));
    expectOneLine(cli("sim", [truncated]), /is not valid JSON/);
    const missing = copyOf("missing");
    const m = JSON.parse(readFileSync(join(good, "manifest.json"), "utf8")) as Record<string, unknown>;
    delete m.timing;
    writeFileSync(join(missing, "manifest.json"), JSON.stringify(m));
    expectOneLine(cli("sim", [missing]), /timing/);
  });

  it("sim refuses a network.json of another shape in one line", () => {
    const dir = copyOf("other-net");
    saveNetwork(randomDenseNetwork({ name: "errs", seed: 2, sizes: [6, 4, 3] }), join(dir, "network.json"));
    expectOneLine(cli("sim", [dir]), /network\.digest does not match|network\./);
  });

  it("an over-long output path or bundle path is one line, not ENAMETOOLONG", () => {
    const long = join(work, "x".repeat(300));
    const g = cli("gen-rtl", ["--model", model, "--out", long, "--no-sim"]);
    expectOneLine(g, /ENAMETOOLONG|too long/);
    expect(readdirSync(work).filter((f) => f.startsWith(".x"))).toEqual([]);
    expectOneLine(cli("sim", [long]), /is not a hardware bundle/);
    expect(existsSync(long)).toBe(false);
  });
});
