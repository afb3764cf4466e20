/**
 * The shipped CNN bundle (hw/fashion_ternary_cnn_16_16_32, P = 16): exactly what the generator
 * produces from models/fashion-ternary-cnn-16-16-32.json, and the RTL computes the reference's
 * integers on real test images in the predicted number of cycles. (The whole test set runs outside
 * CI: npm run sim -- hw/fashion_ternary_cnn_16_16_32 --simulator verilator --vectors all.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { loadNetwork } from "../src/ir/io.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";
import { generateBundle } from "../src/hw/registry.js";
import { cosimulate } from "../src/sim/cosim.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-cnn-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const net = loadNetwork("models/fashion-ternary-cnn-16-16-32.json");
const committed = join("hw", net.name);

const listFiles = (dir: string, sub = ""): string[] =>
  readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, join(sub, e.name)) : [join(sub, e.name)])).sort();

describe("shipped CNN bundle", () => {
  it("regenerates byte for byte", async () => {
    await generateBundle(net, join(work, "bundle"), "mac-array", { lanes: 16 });
    const files = listFiles(committed).filter((f) => f !== "estimate.json");
    expect(listFiles(join(work, "bundle"))).toEqual(files);
    for (const f of files) expect(readFileSync(join(work, "bundle", f), "utf8"), f).toBe(readFileSync(join(committed, f), "utf8"));
  });

  it("has per-layer buffers and the cycle count of the plan", () => {
    const m = loadManifest(committed);
    // buf0: the 28x28x1 image (and the pooled 7x7x16 map); buf1: the pooled 14x14x16 map (and 3x3x32).
    expect(m.memories.filter((x) => x.role === "activations").map((x) => [x.name, x.depth])).toEqual([
      ["buf0", 784],
      ["buf1", 3136],
    ]);
    // Ideal: conv0 784 px x 9, conv1 196 px x 144, conv2 36 used px x 2 groups x 144, fc0 8 x 288, fc1 128.
    expect(m.timing.ideal).toBe(784 * 9 + 196 * 144 + 36 * 2 * 144 + 8 * 288 + 128);
    expect(m.timing.latency / m.timing.ideal).toBeLessThan(1.05);
  });

  it("RTL equals the reference on the first 2 Fashion-MNIST test images", async () => {
    const test = loadDataset("fashion-mnist").test;
    const r = await cosimulate(net, join(work, "bundle"), test.images, 2, { runDir: join(work, "run") });
    expect(r.mismatches).toEqual([]);
    expect(r.cycles).toEqual([loadManifest(committed).timing.latency, loadManifest(committed).timing.latency]);
  });
});
