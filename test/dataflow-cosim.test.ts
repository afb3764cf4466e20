/**
 * The dataflow architecture's guarantee: over seeded random dense networks with random foldings
 * (PE and SIMD of 1, prime divisors, full width, any divisor; input port widths likewise), every
 * integer of the simulated RTL equals the reference, with and without random stalls on both
 * ports; without stalls the first-input and last-output cycle of every image of a back-to-back
 * stream equal the cycle model, so the measured latency and interval equal the prediction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomDenseNetwork, randomInputs, type RandomDenseOptions } from "../src/ir/random.js";
import { generateBundle } from "../src/hw/registry.js";
import { lintBundle } from "../src/sim/lint.js";
import type { Folding } from "../src/hw/dataflow/fold.js";
import { makeRng } from "../src/util/rng.js";
import { pickFold } from "./fold-picks.js";
import { expectExactDataflow, imagesFor } from "./dataflow-check.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-dataflow-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Widths with several prime factors, so that primes, 1 and full width are all legal foldings.
const WIDTHS = [1, 2, 3, 5, 6, 7, 10, 12, 14, 15, 18, 20, 21, 28, 30, 35, 36, 42];

interface Case {
  net: RandomDenseOptions;
  folding: Folding;
}

function randomCase(seed: number): Case {
  const rng = makeRng(`dataflow-case:${seed}`);
  const depth = rng.int(1, 4);
  const sizes = [rng.pick(WIDTHS.filter((w) => w >= 4)), ...Array.from({ length: depth - 1 }, () => rng.pick(WIDTHS)), rng.pick([2, 3, 5, 6, 10])];
  const levels = Array.from({ length: depth }, () => rng.pick([3, 3, 3, 5, 7, 15]));
  const inputBits = rng.pick([1, 3, 8, 8]);
  const signalBits = Array.from({ length: Math.max(1, depth - 1) }, () => rng.pick([2, 4, 8]));
  const fill = seed === 7 ? "max" : seed === 8 ? "min" : "random";
  return {
    net: { name: `df_${seed}`, seed, sizes, levels, inputBits, signalBits, fill },
    folding: {
      inputPerBeat: pickFold(rng, sizes[0]!),
      layers: sizes.slice(1).map((nOut, i) => ({ pe: pickFold(rng, nOut), simd: pickFold(rng, sizes[i]!) })),
    },
  };
}

describe("dataflow RTL equals the reference and the cycle model", () => {
  for (let seed = 1; seed <= 22; seed++) {
    const c = randomCase(seed);
    const desc = `${c.net.sizes.join("-")} M ${String(c.net.levels)} fold ${c.folding.inputPerBeat}/beat ${c.folding.layers.map((l) => `${l.pe}x${l.simd}`).join(",")}`;
    it(`seed ${seed}: ${desc}`, async () => {
      const net = randomDenseNetwork(c.net);
      const dir = join(work, `case${seed}`);
      const { manifest } = await generateBundle(net, dir, "dataflow", { fold: c.folding });
      const count = imagesFor(manifest, 4);
      const fillMax = seed === 7 || seed === 8;
      const inputs = randomInputs(seed, count, c.net.sizes[0]!, c.net.inputBits ?? 8, fillMax ? "max" : "random");
      await expectExactDataflow(net, dir, manifest, inputs, count, 10 + ((seed * 7) % 40), seed);
    });
  }
});

describe("dataflow PEs wider than Verilator's generate-loop unrolling limit", () => {
  // 6,400 lanes in one PE: the lane-pair loop (3,200) and the first adder level (1,600) are written
  // as blocks of loops (render.ts loopBlocks); flat they stop `verilator -Wall` ("Loop unrolling took too long").
  it("6400-2, PE 1 x SIMD 6400: lint clean, every integer and cycle as the reference and the model", async () => {
    const net = randomDenseNetwork({ name: "wide_pe", seed: 1, sizes: [6400, 2], levels: [3], inputBits: 8 });
    const dir = join(work, "wide_pe");
    const { manifest } = await generateBundle(net, dir, "dataflow", { fold: { inputPerBeat: 1, layers: [{ pe: 1, simd: 6400 }] } });
    const lint = lintBundle(dir);
    expect(lint.messages).toEqual([]);
    const inputs = randomInputs(1, 2, 6400, 8, "random");
    await expectExactDataflow(net, dir, manifest, inputs, 2, 20, 1);
  }, 600_000); // 90 s alone on a loaded 2-core machine; more in a full parallel run
});
