/** The IR writer: streamed, linear in size, byte-identical to the one-line-per-array layout. */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonChunks, loadNetwork, saveNetwork, serializeNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import type { DenseLayer } from "../src/ir/schema.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-irio-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The layout every committed model was written in: JSON.stringify(v, null, 1), integer arrays on one line. */
const collapsedLayout = (v: unknown) => JSON.stringify(v, null, 1).replace(/\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]/g, (_m, body: string) => `[${body.replace(/\s+/g, "")}]`);

describe("IR writer", () => {
  it("lays out any JSON value like JSON.stringify(v, null, 1) with integer arrays on one line", () => {
    const values: unknown[] = [
      { a: [1, -2, 3], b: [], c: {}, d: [0.5, 1], e: [[1, 2], [3]], f: "x\ny\"", g: null, h: undefined, i: [{ j: true }, "s"], k: -0, l: 1e-7 },
      [],
      "plain",
      42,
    ];
    for (const v of values) expect([...jsonChunks(v)].join("")).toBe(collapsedLayout(v));
  });

  it("writes the committed models byte for byte as they are", () => {
    for (const f of ["models/random-ternary-784-128-128-10.json", "models/fashion-ternary-256x3.json"]) expect(serializeNetwork(loadNetwork(f))).toBe(readFileSync(f, "utf8"));
  });

  it("saves and loads a 784-4096-4096-10 network (19.9 M weights) unchanged", () => {
    const net = randomDenseNetwork({ name: "big", seed: 3, sizes: [784, 4096, 4096, 10] });
    const file = join(work, "big.json");
    saveNetwork(net, file);
    expect(statSync(file).size).toBeGreaterThan(40e6);
    const back = loadNetwork(file);
    let compared = 0;
    let differing = 0;
    net.layers.forEach((l, i) => {
      const a = l as DenseLayer;
      const b = back.layers[i] as DenseLayer;
      expect(b.weights.length).toBe(a.weights.length);
      for (let j = 0; j < a.weights.length; j++) if (a.weights[j] !== b.weights[j]) differing++;
      expect(b.bias).toEqual(a.bias);
      expect({ ...b, weights: [], bias: [] }).toEqual({ ...a, weights: [], bias: [] });
      compared += a.weights.length;
    });
    expect(compared).toBe(784 * 4096 + 4096 * 4096 + 4096 * 10);
    expect(differing).toBe(0);
  });
});
