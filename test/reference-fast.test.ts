/** The TF.js float32 engine equals the typed-array reference bit for bit, and falls back past 2^24. */
import { describe, expect, it } from "vitest";
import { randomConvNetwork, randomDenseNetwork, randomInputs } from "../src/ir/random.js";
import { infer } from "../src/reference/infer.js";
import { float32Exact, inferFast } from "../src/reference/fast.js";

describe("inferFast", () => {
  const dense = [
    { sizes: [784, 64, 32, 10], levels: 3, inputBits: 8 },
    { sizes: [100, 50, 7], levels: [15, 7], inputBits: 8 },
    { sizes: [33, 17, 5, 3], levels: 7, inputBits: 5, signalBits: 4 },
  ];
  for (const [i, d] of dense.entries()) {
    it(`equals infer on dense ${d.sizes.join("-")}`, async () => {
      const net = randomDenseNetwork({ name: `fast${i}`, seed: 30 + i, ...d });
      const x = randomInputs(30 + i, 1500, d.sizes[0]!, d.inputBits);
      const a = infer(net, x);
      const b = await inferFast(net, x);
      expect(b.engine).toMatch(/float32/);
      expect(b.logits).toEqual(a.logits);
      expect(b.predicted).toEqual(a.predicted);
    });
  }

  it("equals infer on a CNN (conv, pool, flatten, dense)", async () => {
    const net = randomConvNetwork({ name: "fastcnn", seed: 3, input: [12, 12, 1], conv: [4, 6], classes: 10, levels: 3 });
    const x = randomInputs(3, 300, 144, 8);
    const a = infer(net, x);
    const b = await inferFast(net, x);
    expect(b.engine).toMatch(/float32/);
    expect(b.logits).toEqual(a.logits);
  });

  it("falls back to the typed-array engine when sums can reach 2^24", async () => {
    const net = randomDenseNetwork({ name: "wide", seed: 5, sizes: [300, 4], levels: 3, inputBits: 16 });
    expect(float32Exact(net)).toBe(false); // 1 * 65535 * 300 > 2^24
    const x = randomInputs(5, 20, 300, 16);
    const b = await inferFast(net, x);
    expect(b.engine).toMatch(/typed-array/);
    expect(b.logits).toEqual(infer(net, x).logits);
    expect(float32Exact(randomDenseNetwork({ name: "narrow", seed: 5, sizes: [256, 4], levels: 3, inputBits: 16 }))).toBe(true); // 65535 * 256 = 2^24 - 256
  });
});
