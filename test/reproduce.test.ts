/**
 * Reproducing models from their recorded recipe. The tiny recorded-recipe models
 * (test/fixtures/tiny-recipe.json: 784-32-10 on 800 Fashion-MNIST images, 4 + 2 epochs; and a tiny
 * CNN) must come out of their recipes byte for byte: any change to the training arithmetic (a
 * one-ulp change to Adam was checked to fail it) breaks this test. When the arithmetic changes on
 * purpose, regenerate the fixtures with the commands in their recipes, update TINY_DIGESTS, and
 * retrain the shipped models (models/*.json) in the same commit series (docs/training.md,
 * "Reproducing a model").
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentDigest, diffNetworks, formatDiff, reproducibleText } from "../src/ir/diff.js";
import { loadNetwork, loadNetworkFile, serializeNetwork } from "../src/ir/io.js";
import { randomCommand } from "../src/ir/random-recipe.js";
import type { Network } from "../src/ir/schema.js";
import { canonicalTrainFlags, parseTrainFlags, trainCommand } from "../src/train/recipe.js";
import { reproduceNetwork } from "../src/train/reproduce.js";

const TINY = "test/fixtures/tiny-recipe.json";
/**
 * contentDigest of each tiny model: changes only with the training arithmetic (update deliberately,
 * see above). The CNN (conv 4-8, 400 images, 2 + 1 epochs) covers the convolution and pooling
 * gradients, which the shipped CNN takes too long to reproduce in the suite.
 */
const TINY_DIGESTS: Record<string, string> = {
  [TINY]: "sha256:6c069ced66b78aa2d1618f3d7ecdace7024b942e0800d6302e49417e1aa4b7c1",
  "test/fixtures/tiny-recipe-cnn.json": "sha256:1d254d6cad3da6db4d174c5f1b4f9264a517e24e29347e9ce9cdee0220ffedd0",
};

const work = mkdtempSync(join(tmpdir(), "tritforge-reproduce-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/reproduce.ts", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the tiny recorded-recipe models", () => {
  for (const [file, digest] of Object.entries(TINY_DIGESTS)) {
    it(`${file} reproduces byte for byte from its recipe, with the pinned digest`, async () => {
      const recorded = loadNetworkFile(file);
      expect(contentDigest(recorded.json)).toBe(digest);
      const dir = join(work, file.replace(/\W+/g, "_"));
      const r = await reproduceNetwork(recorded, file, { workDir: dir });
      expect(formatDiff(r.diff)).toBe("identical");
      expect(r.digest).toBe(digest);
      // The file written in the scratch folder is the shipped file but for the recipe's environment.
      const written = readFileSync(join(dir, "reproduced.json"), "utf8");
      expect(reproducibleText(JSON.parse(written))).toBe(reproducibleText(recorded.json));
      expect(written).not.toBe(readFileSync(file, "utf8")); // createdAt differs at least
    });
  }
});

describe("comparing a network with its reproduction", () => {
  const base = loadNetworkFile(TINY).json;
  const changed = (edit: (n: Network) => void): unknown => {
    const n = structuredClone(base) as Network;
    edit(n);
    return n;
  };

  it("ignores the recipe environment (commit, date, machine) and nothing else", () => {
    const moved = changed((n) => Object.assign(n.provenance.recipe!.environment, { commit: "0".repeat(40), createdAt: "2030-01-01T00:00:00.000Z", node: "v99" }));
    expect(diffNetworks(base, moved).identical).toBe(true);
    expect(contentDigest(moved)).toBe(contentDigest(base));
    const reflagged = changed((n) => (n.provenance.recipe!.flags.seed = "2"));
    expect(formatDiff(diffNetworks(base, reflagged))).toBe("differs: 0 of 25,408 weights; 0 of 42 biases; other fields provenance.recipe.flags.seed");
  });

  it("one line names the accuracies and counts weights, biases, steps and requantizations", () => {
    const other = changed((n) => {
      const l = n.layers[0]!;
      if (l.kind !== "dense" || l.output.kind !== "requant") throw new Error("fixture layout");
      l.weights[5] = l.weights[5] === 1 ? 0 : 1;
      l.weights[9] = l.weights[9] === -1 ? 0 : -1;
      l.bias[0]! += 1;
      l.delta *= 1.5;
      l.output.multiplier += 1;
      n.provenance.accuracy = { ...n.provenance.accuracy!, correct: 1234, value: 0.1234 };
      n.provenance.metrics!.float = 0.5;
    });
    const d = diffNetworks(base, other);
    expect(d.weights).toEqual({ differ: 2, total: 784 * 32 + 32 * 10 });
    expect(d.biases).toEqual({ differ: 1, total: 42 });
    expect(d.steps).toBe(1);
    expect(d.requant).toBe(1);
    const line = formatDiff(d);
    expect(line).toMatch(/^differs: accuracies accuracy \d+\.\d\d% -> 12\.34%, float \d+\.\d\d% -> 50\.00%; 2 of 25,408 weights; 1 of 42 biases; 1 layer steps; 1 requantizations$/);
    expect(line.split("\n")).toHaveLength(1);
  });
});

describe("recipes", () => {
  it("canonical flags give the settings back, and the printed command leaves out only today's defaults", () => {
    const s = parseTrainFlags({ dataset: "fashion-mnist", conv: "16,16,32", dense: "128", epochs: "12", "retrain-epochs": "15", "retrain-lr": "5e-4", out: "models/x.json" });
    const flags = canonicalTrainFlags({ ...s, backend: "wasm" });
    expect(parseTrainFlags(flags)).toEqual({ ...s, backend: "wasm" });
    expect(flags).toMatchObject({ "retrain-lr": "0.0005", lr: "0.001", name: "x", seed: "1", "batch-size": "128" });
    expect(trainCommand(flags)).toBe(
      "npm run train -- --dataset fashion-mnist --conv 16,16,32 --dense 128 --levels 3 --signal-bits 8 --epochs 12 --retrain-epochs 15 --retrain-lr 0.0005 --backend wasm --out models/x.json --name x",
    );
    expect(canonicalTrainFlags(parseTrainFlags({ dataset: "mnist", hidden: "256,256,256", out: "a.json" })).hidden).toBe("256x3");
    expect(() => trainCommand({ ...flags, momentum: "0.9" })).toThrow(/unknown train flags: --momentum/);
    expect(randomCommand({ sizes: "784,10", levels: "3", seed: "1", out: "r.json", name: "r" })).toBe("npm run make-random-model -- --sizes 784,10 --levels 3 --seed 1 --out r.json --name r");
  });
});

describe("npm run reproduce", () => {
  it("a model without a recipe: one line, exit 1, nothing trained", () => {
    const old = loadNetwork(TINY);
    delete old.provenance.recipe;
    const file = join(work, "old.json");
    writeFileSync(file, serializeNetwork(old));
    const r = cli([file, "--no-progress"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*old\.json records no recipe/);
  });

  it("a non-empty --work folder is refused and left alone", () => {
    const dir = join(work, "busy");
    mkdirSync(dir);
    writeFileSync(join(dir, "keep.txt"), "mine");
    const r = cli(["models/random-ternary-784-128-128-10.json", "--work", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --work .*busy is not empty/);
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("mine");
  });

  it("reproduces the shipped random model and reports a changed one in one line with exit 1", () => {
    const ok = cli(["models/random-ternary-784-128-128-10.json", "--no-progress"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^reproduce: models\/random-ternary-784-128-128-10\.json identical \(byte for byte, recipe environment aside\), sha256:[0-9a-f]{12} \[\d+ s\]\n/);
    const net = loadNetwork("models/random-ternary-784-128-128-10.json");
    const l = net.layers[1]!;
    if (l.kind !== "dense") throw new Error("random model layout");
    l.weights[0] = l.weights[0] === 1 ? 0 : 1;
    const file = join(work, "changed.json");
    writeFileSync(file, serializeNetwork(net));
    const bad = cli([file, "--no-progress"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/changed\.json differs: 1 of 118,016 weights; 0 of 266 biases \[\d+ s\]\n/);
  });
});
