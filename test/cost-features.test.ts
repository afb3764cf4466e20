/** The mac-array's structural cost features (src/hw/mac-array/features.ts, requant-features.ts), by hand. */
import { describe, expect, it } from "vitest";
import { csdTerms } from "../src/hw/common/csd.js";
import { planRequant } from "../src/hw/common/requant.js";
import { requantChainBits, requantTreeBits, sharedTreeBits } from "../src/hw/mac-array/requant-features.js";

describe("requantizer bit counts", () => {
  // m = 2^16 - 2^14 - 2^9 - 2^6 + 2^3, sh = 16, B = 8, 16-bit accumulator: product 34 bits,
  // summands +x<<16 [16, 32), -x<<14 [14, 31), -x<<9 [9, 26), -x<<6 [6, 23), +x<<3 [3, 19), 2^15 [15, 17).
  const rq = planRequant(48584, 16, 8, 16);

  it("the multiplier's CSD terms and widths", () => {
    expect(csdTerms(48584)).toEqual([
      { sign: 1, shift: 16 },
      { sign: -1, shift: 14 },
      { sign: -1, shift: 9 },
      { sign: -1, shift: 6 },
      { sign: 1, shift: 3 },
    ]);
    expect(rq.productBits).toBe(34);
    expect(rq.roundConst).toBe(2 ** 15);
  });

  it("pipelined tree, two stages: adders 17 + 18 + 5 | 20 | final 28; registers 19 + 21 + 17 | 28 + 17", () => {
    // Stage 1: [14, 33) from bit 16 up, [6, 27) from 9, [3, 20) from 15; stage 2: [6, 34) from 14, [3, 20)
    // carried; the last add [6, 34) + [3, 20) from bit 6. (Yosys 0.55 on cal_64_32_10_m3_p2 keeps
    // 19 + 29 + 17 + 29 + 17 of these register bits: the -a - b pair is not narrowed.)
    expect(requantTreeBits(rq, 16, 2)).toEqual({ adder: 17 + 18 + 5 + 20 + 28, register: 19 + 21 + 17 + 28 + 17 });
  });

  it("a third (padding) stage only carries the two sums: 28 + 17 more register bits", () => {
    expect(requantTreeBits(rq, 16, 3)).toEqual({ adder: 88, register: 102 + 28 + 17 });
  });

  it("combinational chain (window walk): [14, 33) +[9, 26) +[6, 23) +[3, 19) +[15, 17), no registers", () => {
    // Running sum widths 33, 34, 34, 34, 34 (capped at the product width); adders from the larger zero run.
    expect(requantChainBits(rq, 16)).toEqual({ adder: 33 - 16 + (34 - 14) + (34 - 9) + (34 - 6) + (34 - 15), register: 0 });
  });
});

describe("shared requantizer bit counts", () => {
  it("slots x<<<4 (digit 1 in both layers), x<<<2 (1 / 0: gated), x<<<0 (-1 / 1: inverted for one layer), constants 3 / 2", () => {
    const sr = {
      productBits: 20,
      xBits: 8,
      stages: 1,
      slots: [
        { shift: 4, digits: [{ digit: 1 as const }, { digit: 1 as const }] },
        { shift: 2, digits: [{ digit: 1 as const }, { digit: 0 as const }] },
        { shift: 0, digits: [{ digit: -1 as const }, { digit: 1 as const }] },
      ],
      constants: [{ value: 3 }, { value: 2 }],
    };
    // Operands [4, 12), [2, 10) gated at x's 8 bits, [0, 8) inverted by layer (8 gate bits), the
    // constant [0, 3) chosen by layer (3). Stage 1: [4,12)+[2,10) = [2, 13) from bit 4 (9 adder bits),
    // [0,8)+[0,3) = [0, 9) (9); registers 11 + 9; the last add [2,13)+[0,9) = [2, 14) from bit 2 (12).
    expect(sharedTreeBits(sr)).toEqual({ adder: 9 + 9 + 12, register: 11 + 9, gate: 8 + 8 + 3 });
  });

  it("a slot with the same nonzero digit in every layer needs no gate (all -1: a fixed inversion)", () => {
    const sr = { productBits: 20, xBits: 8, stages: 1, slots: [{ shift: 3, digits: [{ digit: -1 as const }, { digit: -1 as const }] }], constants: [{ value: 8 }, { value: 8 }] };
    // Operands [3, 11) and the constant 8 in [0, 5): one add [0, 12) from bit 3, no gates.
    expect(sharedTreeBits(sr)).toEqual({ adder: 12 - 3, register: 11 - 3 + 5, gate: 0 });
  });
});
