/**
 * The dataflow requantizer's range narrowing (requant-equiv.ts): on every accumulator of the range
 * it gives exactly the network's clamp((acc * m + 2^(sh-1)) >> sh, 0, 2^B - 1), and its CSD adder
 * tree (requant.ts) is never wider than the network's own constant would make it.
 */
import { describe, expect, it } from "vitest";
import { csdTerms } from "../src/hw/common/csd.js";
import { planRequant } from "../src/hw/common/requant.js";
import { accRange, equivalentRequant } from "../src/hw/dataflow/requant-equiv.js";
import { csdTree, requantAdderBits } from "../src/hw/dataflow/requant.js";
import { requantize } from "../src/reference/infer.js";
import { makeRng } from "../src/util/rng.js";

/** The product as the adder tree computes it: terms (negative ones as ~acc), the constant, modulo 2^pw. */
function treeProduct(acc: bigint, rq: ReturnType<typeof equivalentRequant>): bigint {
  const pw = BigInt(rq.productBits);
  const mask = (1n << pw) - 1n;
  const tree = csdTree(rq);
  let sum = tree.constant;
  for (const t of rq.terms) sum += t.sign > 0 ? acc << BigInt(t.shift) : (~acc & mask) << BigInt(t.shift);
  sum &= mask;
  return sum >= 1n << (pw - 1n) ? sum - (1n << pw) : sum;
}

function hardwareRequant(acc: number, rq: ReturnType<typeof equivalentRequant>): number {
  const p = treeProduct(BigInt(acc), rq) >> BigInt(rq.shift);
  const top = BigInt(2 ** rq.outBits - 1);
  return Number(p < 0n ? 0n : p > top ? top : p);
}

describe("dataflow requantizer on the reachable accumulator range", () => {
  it("equals the network's requantizer on every accumulator of 40 random ranges", () => {
    const rng = makeRng("dataflow-requant");
    for (let c = 0; c < 40; c++) {
      const shift = rng.int(0, 24);
      const multiplier = rng.int(1, 2 ** rng.int(1, 17));
      const outBits = rng.pick([1, 2, 4, 8]);
      const lo = -rng.int(0, 20000);
      const hi = rng.int(0, 20000);
      const rq = equivalentRequant(multiplier, shift, outBits, lo, hi);
      expect(rq.multiplier).toBe(multiplier);
      expect(rq.terms).toEqual(csdTerms(multiplier));
      for (let acc = lo; acc <= hi; acc++) {
        const want = requantize(acc, multiplier, shift, outBits);
        if (hardwareRequant(acc, rq) !== want) expect([c, acc, hardwareRequant(acc, rq)]).toEqual([c, acc, want]);
      }
      const accBits = Math.max(1, Math.ceil(Math.log2(Math.max(-lo, hi) + 1)) + 1);
      expect(requantAdderBits(rq)).toBeLessThanOrEqual(requantAdderBits(planRequant(multiplier, shift, outBits, accBits)));
    }
  });

  it("takes the range from the weights and biases of each row", () => {
    const layer = { inFeatures: 3, outFeatures: 2, weights: [1, -1, 0, -1, -1, 1], bias: [5, -2] };
    expect(accRange(layer, 255)).toEqual([-2 - 2 * 255, 5 + 255]);
  });
});
