/**
 * Area-based ECR: the hardware pricing of sweep points (src/report/area.ts) and its wiring into the
 * report rows, against hand-computed answers.
 */
import { describe, expect, it } from "vitest";
import { analyticEstimate } from "../src/cost/analytic.js";
import { bundleMemories, ICE40_MEMORY, mapMemory, memorySummary } from "../src/cost/memory.js";
import { randomChainNetwork, randomDenseNetwork } from "../src/ir/random.js";
import { costEcr } from "../src/report/ecr.js";
import { cnnArea, DATAFLOW_INTERVAL, ffdnnArea } from "../src/report/area.js";
import { planFor } from "../src/hw/dataflow/index.js";
import { buildManifest as buildDataflowManifest } from "../src/hw/dataflow/manifest.js";
import { widenDfWeights } from "../src/hw/dataflow/plan.js";
import { precisionLabel, withAreaEcr, type Row } from "../src/report/rows.js";
import { parseManifest } from "../src/hw/bundle/manifest.js";
import { buildManifest } from "../src/hw/mac-array/manifest.js";
import { planMacArray } from "../src/hw/mac-array/plan.js";
import { widenWeights } from "../src/hw/mac-array/plan.js";

const ternary784x32 = () => {
  const net = randomDenseNetwork({ name: "t", seed: 1, sizes: [784, 32, 10], levels: 3, signalBits: 8 });
  return planMacArray(net, 8);
};
const manifestOf = (plan: ReturnType<typeof planMacArray>) => {
  const net = randomDenseNetwork({ name: "t", seed: 1, sizes: [784, 32, 10], levels: 3, signalBits: 8 });
  return parseManifest(buildManifest(plan, net), "test");
};

describe("area of sweep points", () => {
  it("widening ternary weights to 32 bits: ROM words, accumulators and block RAM by hand", () => {
    const plan = ternary784x32();
    const wide = widenWeights(plan, 32);
    const m = manifestOf(plan);
    const w = manifestOf(wide);
    const rom = (x: typeof m, name: string) => x.memories.find((y) => y.name === name)!;
    // 784 inputs x 4 groups of 8 lanes = 3136 words of 8 x 32 bits.
    expect(rom(m, "w_rom_l0").depth).toBe(3136);
    expect(rom(w, "w_rom_l0").width).toBe(256);
    expect(rom(w, "w_rom_l0").bits).toBe(3136 * 256);
    // Ternary weights have 1 magnitude bit, 32-bit weights 31: accumulators grow by 30 bits.
    expect(wide.layers[0]!.accBits).toBe(plan.layers[0]!.accBits + 30);
    expect(memorySummary(w).weightRomBits).toBe(3136 * 256 + rom(w, "w_rom_l1").bits);
    // 3136 x 256 on iCE40: 256x16 blocks in 13 banks side by side, ceil(13 * 256 / 16) = 208 EBR
    // (cost 64 * 208 + 12 * 256 / 2 = 14848, cheaper than 512x8: 224 EBR, 15104).
    const rom0 = bundleMemories(w).find((x) => x.name === "w_rom_l0")!;
    expect(mapMemory(rom0, ICE40_MEMORY)).toMatchObject({ blocks: 208, banks: 13, shape: { depth: 256, width: 16 } });
    // The ternary ROM (3136 x 16) needs 13 banks of 256x16: 13 EBR.
    expect(mapMemory(bundleMemories(m).find((x) => x.name === "w_rom_l0")!, ICE40_MEMORY).blocks).toBe(13);
    // More logic as well: every lane adds 30 more shifted copies.
    expect(analyticEstimate(w).ice40!.lut4).toBeGreaterThan(2 * analyticEstimate(m).ice40!.lut4);
  });

  it("ffdnnArea: ternary < 3-bit < 4-bit < float in block RAM for the same shape, and float EBR >= 16x ternary weight bits", () => {
    const t = ffdnnArea([64], 3, 8);
    const m7 = ffdnnArea([64], 7, 8);
    const m15 = ffdnnArea([64], 15, 8);
    const f = ffdnnArea([64], 0, 8);
    expect(t.ebr).toBeLessThan(m7.ebr);
    expect(m7.ebr).toBeLessThanOrEqual(m15.ebr);
    expect(m15.ebr).toBeLessThan(f.ebr);
    expect(f.lut4).toBeGreaterThan(m15.lut4);
    // Float weights alone: 784*64 + 64*10 weights x 32 bits / 4096 bits per EBR.
    expect(f.ebr).toBeGreaterThanOrEqual(Math.ceil(((784 * 64 + 640) * 32) / 4096));
    // Same answer from the generator's own bundle at P = 16.
    const net = randomDenseNetwork({ name: "area", seed: 1, sizes: [784, 64, 10], levels: 3, signalBits: 8, inputBits: 8 });
    const m = parseManifest(buildManifest(planMacArray(net, 16), net), "test");
    expect(t).toEqual({ lut4: analyticEstimate(m).ice40!.lut4, ebr: memorySummary(m).ice40.ebr });
  });

  it("ffdnnArea prices the data's shape: 12x12x3 images and 5 classes are a 432-...-5 network", () => {
    const a = ffdnnArea([24], 3, 8, 16, { input: [12, 12, 3], classes: 5 });
    const net = randomDenseNetwork({ name: "area", seed: 1, sizes: [432, 24, 5], levels: 3, signalBits: 8, inputBits: 8 });
    const m = parseManifest(buildManifest(planMacArray(net, 16), net), "test");
    expect(a).toEqual({ lut4: analyticEstimate(m).ice40!.lut4, ebr: memorySummary(m).ice40.ebr });
    expect(a).not.toEqual(ffdnnArea([24], 3, 8));
  });
});

describe("area of CNN sweep points", () => {
  it("cnnArea prices the trainer's CNN (3x3 pad 1 convs, 2x2 pools) on the generator's own design", () => {
    const net = randomChainNetwork({
      name: "area",
      seed: 1,
      input: [28, 28, 1],
      layers: [
        { kind: "conv2d", out: 4, kernel: 3, padding: 1 },
        { kind: "maxpool", size: 2, stride: 2 },
        { kind: "conv2d", out: 4, kernel: 3, padding: 1 },
        { kind: "maxpool", size: 2, stride: 2 },
        { kind: "conv2d", out: 8, kernel: 3, padding: 1 },
        { kind: "maxpool", size: 2, stride: 2 },
        { kind: "flatten" },
        { kind: "dense", out: 10 },
      ],
      levels: 3,
      signalBits: 8,
      inputBits: 8,
    });
    const m = parseManifest(buildManifest(planMacArray(net, 16), net), "test");
    expect(cnnArea([4, 4, 8], [], 3, 8)).toEqual({ lut4: analyticEstimate(m).ice40!.lut4, ebr: memorySummary(m).ice40.ebr });
    // Buffers sized by the largest map each one holds: buf0 = the 28x28 image (and the 7x7x4 map),
    // buf1 = the pooled 14x14x4 map (and the 3x3x8 one): 784 words of 8 bits each.
    expect(m.memories.filter((x) => x.role === "activations").map((x) => [x.name, x.depth, x.width])).toEqual([
      ["buf0", 784, 8],
      ["buf1", 784, 8],
    ]);
    // Ternary < 4-bit < float in block RAM.
    expect(cnnArea([4, 4, 8], [], 3, 8).ebr).toBeLessThanOrEqual(cnnArea([4, 4, 8], [], 15, 8).ebr);
    expect(cnnArea([4, 4, 8], [], 15, 8).ebr).toBeLessThan(cnnArea([4, 4, 8], [], 0, 8).ebr);
  });
});

function row(p: Partial<Row> & Pick<Row, "levels" | "mode" | "accuracy">): Row {
  const width = p.width ?? 64;
  return {
    sweep: "s", dataset: "fashion-mnist", family: "ffdnn", arch: `ffdnn ${width}x1`, width, depth: 1, seed: 1, parameters: 0, weights: 0,
    precision: precisionLabel(p.levels), floatAccuracy: 0.85, memoryBits: 1, idealMemoryBits: 1, seconds: 1, backend: "x",
    pointId: `${width}-${p.levels}`, hidden: [width], signalBits: 8, ...p,
  } as Row;
}

describe("area-based ECR in the report rows", () => {
  const floats = [row({ width: 32, levels: 0, mode: "float", accuracy: 0.8 }), row({ width: 128, levels: 0, mode: "float", accuracy: 0.86 })];
  const cnn = { ...row({ levels: 3, mode: "retrained", accuracy: 0.8 }), family: "cnn" as const, hidden: undefined, conv: [4, 4, 8], dense: [], arch: "cnn 4-4-8" };

  it("prices every FFDNN row and divides the interpolated float area by the quantized area", () => {
    const q = row({ width: 64, levels: 3, mode: "retrained", accuracy: 0.83 });
    const out = withAreaEcr([...floats, q, cnn]);
    const f32 = ffdnnArea([32], 0, 8);
    const f128 = ffdnnArea([128], 0, 8);
    const t64 = ffdnnArea([64], 3, 8);
    expect(out[0]).toMatchObject(f32);
    const r = out[2]!;
    expect(r).toMatchObject(t64);
    // 0.83 lies halfway between 0.80 and 0.86: the float EBR is the geometric mean of the two.
    expect(r.ecrEbrBound).toBe("exact");
    expect(r.ecrEbr).toBeCloseTo(Math.sqrt(f32.ebr * f128.ebr) / t64.ebr, 9);
    expect(r.ecrLut4).toBeCloseTo(costEcr([{ size: f32.lut4, accuracy: 0.8 }, { size: f128.lut4, accuracy: 0.86 }], 0.83, t64.lut4).value, 9);
    // A CNN row is priced as its CNN accelerator (against the same float curve: one sweep here).
    expect(out[3]).toMatchObject(cnnArea([4, 4, 8], [], 3, 8));
  });

  it("bounds: above every float net a lower bound, below the smallest an upper bound", () => {
    const [hi, lo] = withAreaEcr([...floats, row({ levels: 3, mode: "retrained", accuracy: 0.9 }), row({ width: 65, levels: 3, mode: "direct", accuracy: 0.5 })]).slice(2);
    expect(hi!.ecrEbrBound).toBe("lower");
    expect(hi!.ecrEbr).toBeCloseTo(ffdnnArea([128], 0, 8).ebr / ffdnnArea([64], 3, 8).ebr, 9);
    expect(lo!.ecrEbrBound).toBe("upper");
    expect(lo!.ecrEbr).toBeCloseTo(ffdnnArea([32], 0, 8).ebr / ffdnnArea([65], 3, 8).ebr, 9);
  });
  it("dataflow: priced as the solver's pipeline at the fixed interval; a float net is that folding with 32-bit weights", () => {
    const t = ffdnnArea([64], 3, 8, 16, {}, "dataflow");
    const f = ffdnnArea([64], 0, 8, 16, {}, "dataflow");
    const net = randomDenseNetwork({ name: "area", seed: 1, sizes: [784, 64, 10], levels: 3, signalBits: 8, inputBits: 8 });
    const { plan } = planFor(net, { targetInterval: DATAFLOW_INTERVAL });
    expect(plan.interval).toBeLessThanOrEqual(DATAFLOW_INTERVAL);
    const m = parseManifest(buildDataflowManifest(plan, net, null), "test");
    expect(t).toEqual({ lut4: analyticEstimate(m).ice40!.lut4, ebr: memorySummary(m).ice40.ebr });
    // The same folding, 32-bit weights: the weight ROMs hold 16x the bits (and the lanes grow).
    const w = widenDfWeights(plan, 32);
    expect(w.layers.map((l) => [l.pe, l.simd])).toEqual(plan.layers.map((l) => [l.pe, l.simd]));
    expect(w.layers.map((l) => l.weightRomWidth)).toEqual(plan.layers.map((l) => l.weightRomWidth * 16));
    expect(f.ebr).toBeGreaterThanOrEqual(Math.ceil(((784 * 64 + 640) * 32) / 4096));
    expect(f.lut4).toBeGreaterThan(2 * t.lut4);
    // Its own cache entry: not the mac-array's price.
    expect(t).not.toEqual(ffdnnArea([64], 3, 8));
  });
});
