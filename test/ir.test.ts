/** The IR: schema, semantic checks with field paths, serialisation round trip, worst-case bounds. */
import { describe, expect, it } from "vitest";
import { analyze, signedBits } from "../src/ir/analyze.js";
import { parseNetwork, serializeNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";

const base = () => JSON.parse(serializeNetwork(randomDenseNetwork({ name: "ir_net", seed: 2, sizes: [4, 3, 2], levels: [7, 3] }))) as {
  layers: Array<Record<string, unknown>>;
  [k: string]: unknown;
};

describe("IR", () => {
  it("round-trips through JSON unchanged", () => {
    const net = randomDenseNetwork({ name: "rt", seed: 9, sizes: [10, 7, 3], levels: [15, 3] });
    expect(parseNetwork(JSON.parse(serializeNetwork(net)))).toEqual(net);
  });

  it("is deterministic for a seed", () => {
    const a = serializeNetwork(randomDenseNetwork({ name: "d", seed: 5, sizes: [8, 4, 2] }));
    expect(serializeNetwork(randomDenseNetwork({ name: "d", seed: 5, sizes: [8, 4, 2] }))).toBe(a);
    expect(serializeNetwork(randomDenseNetwork({ name: "d", seed: 6, sizes: [8, 4, 2] }))).not.toBe(a);
  });

  it("names each bad field by its path", () => {
    const cases: Array<[(j: ReturnType<typeof base>) => void, RegExp]> = [
      [(j) => (j.version = 2), /version: Invalid input: expected 1/],
      [(j) => (j.layers[1]!.bias = [1]), /layers\[1\]\.bias: expected 2 values, got 1/],
      [(j) => (j.layers[0]!.weights = [1, 2]), /layers\[0\]\.weights: expected 12 values, got 2/],
      [(j) => ((j.layers[0]!.weights as number[])[5] = 4), /layers\[0\]\.weights\[5\]: 4 is outside \[-3, 3\]/],
      [(j) => ((j.layers[0]!.weights as number[])[5] = 0.5), /layers\[0\]\.weights\[5\]: Invalid input: expected int/],
      [(j) => (j.layers[1]!.output = j.layers[0]!.output), /layers\[1\]\.output: the last layer must output logits/],
      [(j) => (j.layers[0]!.output = { kind: "logits" }), /layers\[0\]\.output: only the last layer may output logits/],
      [(j) => (j.name = "1bad name"), /name: name must be an identifier/],
      [(j) => (j.layers = []), /layers: Too small/],
    ];
    for (const [mutate, message] of cases) {
      const j = base();
      mutate(j);
      expect(() => parseNetwork(j, "x.json")).toThrow(message);
    }
  });

  it("derives the accumulator bound from |b| + K (2^B - 1) N_in", () => {
    const net = randomDenseNetwork({ name: "b", seed: 1, sizes: [100, 10], levels: 7, inputBits: 8 });
    const info = analyze(net)[0] as unknown as { accMax: number; accBits: number };
    const maxBias = Math.max(...(net.layers[0] as { bias: number[] }).bias.map(Math.abs));
    expect(info.accMax).toBe(maxBias + 3 * 255 * 100);
    expect(info.accBits).toBe(signedBits(info.accMax));
    expect(signedBits(127)).toBe(8);
    expect(signedBits(128)).toBe(9);
    expect(signedBits(0)).toBe(1);
  });
});
