/** gen-rtl on bad inputs: one-line error, non-zero exit, no output folder left behind. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomChainNetwork, randomDenseNetwork } from "../src/ir/random.js";
import { serializeNetwork } from "../src/ir/io.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function genRtl(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/gen-rtl.ts", ...args], { encoding: "utf8", env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const good = randomDenseNetwork({ name: "cli_net", seed: 4, sizes: [6, 5, 3] });
const goodJson = JSON.parse(serializeNetwork(good)) as Record<string, unknown> & { layers: Array<Record<string, unknown>> };

// The mac-array pools in the lanes of the layer that feeds the pool: an input-image pool has none.
const poolFirst = randomChainNetwork({
  name: "pool_first",
  seed: 1,
  input: [6, 6, 1],
  layers: [{ kind: "maxpool", size: 2, stride: 2 }, { kind: "conv2d", out: 2, kernel: 3, padding: 0 }],
});

function modelFile(name: string, content: string): string {
  const f = join(work, name);
  writeFileSync(f, content);
  return f;
}

function mutated(mutate: (j: typeof goodJson) => void): string {
  const j = structuredClone(goodJson);
  mutate(j);
  return JSON.stringify(j);
}

const badCases: Array<{ name: string; args: () => string[]; message: RegExp }> = [
  { name: "malformed JSON", args: () => ["--model", modelFile("bad.json", "{ not json")], message: /not valid JSON/ },
  { name: "missing model file", args: () => ["--model", join(work, "nope.json")], message: /not found/ },
  { name: "schema violation names the field", args: () => ["--model", modelFile("schema.json", mutated((j) => (j.layers[0]!.levels = 4)))], message: /layers\[0\]\.levels: levels must be odd/ },
  { name: "inconsistent shapes", args: () => ["--model", modelFile("shape.json", mutated((j) => (j.layers[1]!.inFeatures = 7)))], message: /layers\[1\]\.inFeatures: 7 does not match the 5 values/ },
  {
    name: "weight outside [-K, K]",
    args: () => ["--model", modelFile("range.json", mutated((j) => ((j.layers[0]!.weights as number[])[3] = 2)))],
    message: /layers\[0\]\.weights\[3\]: 2 is outside \[-1, 1\]/,
  },
  { name: "unknown key", args: () => ["--model", modelFile("key.json", mutated((j) => (j.layers[0]!.colour = "red")))], message: /layers\[0\]: Unrecognized key/ },
  { name: "P = 0", args: () => ["--model", modelFile("ok1.json", JSON.stringify(goodJson)), "--lanes", "0"], message: /--lanes must be in \[1, 1024\]/ },
  { name: "non-numeric P", args: () => ["--model", modelFile("ok2.json", JSON.stringify(goodJson)), "--lanes", "four"], message: /--lanes must be an integer/ },
  { name: "unknown flag", args: () => ["--model", modelFile("ok3.json", JSON.stringify(goodJson)), "--colour", "red"], message: /unknown option '--colour'/ },
  {
    name: "a maxpool on the input image is refused naming the layer",
    args: () => ["--model", modelFile("pool-first.json", serializeNetwork(poolFirst))],
    message: /mac-array cannot build pool_first: layer 0 \("maxpool0"\): a maxpool must directly follow a conv2d layer/,
  },
  {
    name: "unwritable output folder",
    args: () => ["--model", modelFile("ok4.json", JSON.stringify(goodJson)), "--out", join(modelFile("a-file", "x"), "sub", "bundle")],
    message: /not writable/,
  },
  {
    name: "dataflow: PE that cannot divide",
    args: () => ["--model", modelFile("ok5.json", JSON.stringify(goodJson)), "--arch", "dataflow", "--fold", modelFile("fold1.json", JSON.stringify({ layers: [{ pe: 2, simd: 6 }, { pe: 1, simd: 5 }] }))],
    message: /layer 0 \(fc0\): PE 2 does not divide the layer's 5 outputs/,
  },
  {
    name: "dataflow: SIMD beyond the layer",
    args: () => ["--model", modelFile("ok6.json", JSON.stringify(goodJson)), "--arch", "dataflow", "--fold", modelFile("fold2.json", JSON.stringify({ layers: [{ pe: 5, simd: 6 }, { pe: 3, simd: 10 }] }))],
    message: /layer 1 \(fc1\): SIMD 10 is beyond the layer's 5 inputs/,
  },
  {
    name: "dataflow: fold file field error",
    args: () => ["--model", modelFile("ok7.json", JSON.stringify(goodJson)), "--arch", "dataflow", "--fold", modelFile("fold3.json", JSON.stringify({ layers: [{ pe: 0, simd: 1 }] }))],
    message: /fold3\.json: layers\[0\]\.pe: /,
  },
  { name: "dataflow: target the solver cannot meet", args: () => ["--model", modelFile("ok8.json", JSON.stringify(goodJson)), "--arch", "dataflow", "--target-interval", "2"], message: /target interval 2 cycles cannot be met: the output port sends 3 logits/ },
  { name: "dataflow flag without --arch dataflow", args: () => ["--model", modelFile("ok9.json", JSON.stringify(goodJson)), "--max-luts", "900"], message: /--max-luts is a dataflow parameter; add --arch dataflow/ },
];

describe("gen-rtl rejects bad input", () => {
  for (const c of badCases) {
    it(c.name, () => {
      const out = join(work, `out-${c.name.replace(/\W+/g, "_")}`);
      const args = c.args();
      const r = genRtl(args.includes("--out") ? args : [...args, "--out", out, "--no-sim"]);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(c.message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(work).filter((f) => f.startsWith(".out-"))).toEqual([]);
    });
  }
});

describe("gen-rtl on a good model", () => {
  it("writes the bundle, co-simulates and reports JSON", () => {
    const out = join(work, "good-bundle");
    const r = genRtl(["--model", modelFile("good.json", JSON.stringify(goodJson)), "--out", out, "--lanes", "3", "--vectors", "4", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, number | boolean>;
    expect(s).toMatchObject({ vectors: 4, mismatches: 0, lanes: 3, arch: "mac-array", cyclesMatchPrediction: true });
    expect(s.romBits).toBe(2 * 3 * 6 * 2 + 1 * 3 * 5 * 2);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { timing: { latency: number; interval: number } };
    expect(s.latency).toEqual({ predicted: manifest.timing.latency, measured: manifest.timing.latency });
    expect(s.interval).toEqual({ predicted: manifest.timing.interval, measured: manifest.timing.interval });
    for (const f of ["rtl/cli_net_accel.v", "tb/cli_net_accel_tb.v", "mem/cli_net_w0.mem", "mem/cli_net_b1.mem", "network.json"]) expect(existsSync(join(out, f))).toBe(true);
  });

  it("dataflow: writes the bundle, co-simulates back-to-back images and reports latency and interval as JSON", () => {
    const out = join(work, "good-dataflow");
    const r = genRtl(["--model", modelFile("gooddf.json", JSON.stringify(goodJson)), "--out", out, "--arch", "dataflow", "--target-interval", "6", "--vectors", "6", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ vectors: 6, mismatches: 0, arch: "dataflow", cyclesMatchPrediction: true });
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { timing: { latency: number; interval: number } };
    expect(manifest.timing.interval).toBeLessThanOrEqual(6);
    expect(s.latency).toEqual({ predicted: manifest.timing.latency, measured: manifest.timing.latency });
    expect(s.interval).toEqual({ predicted: manifest.timing.interval, measured: manifest.timing.interval });
    // The manifest is a fold file: regenerating from it gives the same design.
    const again = join(work, "good-dataflow-again");
    expect(genRtl(["--model", join(work, "gooddf.json"), "--out", again, "--arch", "dataflow", "--fold", join(out, "manifest.json"), "--no-sim"]).code).toBe(0);
    expect(readFileSync(join(again, "rtl", "cli_net_dataflow.v"), "utf8")).toBe(readFileSync(join(out, "rtl", "cli_net_dataflow.v"), "utf8"));
  });

  it("regenerating an unchanged design keeps the recorded estimate; a changed design drops it", () => {
    const out = join(work, "kept-estimate");
    const model = modelFile("good3.json", JSON.stringify(goodJson));
    expect(genRtl(["--model", model, "--out", out, "--lanes", "2", "--no-sim"]).code).toBe(0);
    const file = join(out, "estimate.json");
    const measured = { format: "tritforge-estimate", marker: 42 };
    writeFileSync(file, JSON.stringify(measured, null, 2) + "\n");
    const again = genRtl(["--model", model, "--out", out, "--lanes", "2", "--no-sim"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/kept the cost estimate/);
    expect(readFileSync(file, "utf8")).toBe(JSON.stringify(measured, null, 2) + "\n");
    // Different lanes: a different design, so the old figures must not survive.
    expect(genRtl(["--model", model, "--out", out, "--lanes", "3", "--no-sim"]).code).toBe(0);
    expect(existsSync(file)).toBe(false);
    // Different weights, same shape and lanes: dropped as well.
    expect(genRtl(["--model", model, "--out", out, "--lanes", "2", "--no-sim"]).code).toBe(0);
    writeFileSync(file, JSON.stringify(measured, null, 2) + "\n");
    const other = mutated((j) => {
      const w = j.layers[0]!.weights as number[];
      w[0] = w[0] === 1 ? -1 : 1;
    });
    expect(genRtl(["--model", modelFile("good4.json", other), "--out", out, "--lanes", "2", "--no-sim"]).code).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("names the Debian package when Icarus Verilog is missing", () => {
    const out = join(work, "no-iverilog");
    const r = genRtl(["--model", modelFile("good2.json", JSON.stringify(goodJson)), "--out", out], { ...process.env, PATH: "/nonexistent" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: iverilog not found on PATH: install it with "apt-get install -y iverilog"');
  });

  it("prints help", () => {
    const r = genRtl(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--lanes <P>/);
    expect(r.stdout).toMatch(/--no-sim/);
  });
});

describe("gen-rtl --arch", () => {
  it("unknown architectures and bad parameters are one-line errors naming them", () => {
    const model = modelFile("arch.json", JSON.stringify(goodJson));
    const unknown = genRtl(["--model", model, "--arch", "systolic", "--no-sim", "--out", join(work, "x1")]);
    expect(unknown.stderr.trim()).toMatch(/^error: unknown architecture "systolic"; choose from [a-z, -]*mac-array/);
    const bad = genRtl(["--model", model, "--params", '{"lanes": 2, "colour": 1}', "--no-sim", "--out", join(work, "x2")]);
    expect(bad.stderr.trim()).toMatch(/^error: --arch mac-array parameters: Unrecognized key.*colour/);
    const params = genRtl(["--model", model, "--params", '{"lanes": 3}', "--no-sim", "--out", join(work, "x3"), "--json"]);
    expect(JSON.parse(params.stdout)).toMatchObject({ arch: "mac-array", params: { lanes: 3 } });
  });
});
