/** Memory bits and the block-RAM mapping rule, by hand-computed cases. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../src/hw/bundle/manifest.js";
import { ICE40_MEMORY, mapMemory, memorySummary, XILINX_MEMORY, type MemoryItem } from "../src/cost/memory.js";

const rom = (name: string, depth: number, width: number): MemoryItem => ({ name, kind: "rom", depth, width, bits: depth * width, role: "weights" });
const ram = (name: string, depth: number, width: number): MemoryItem => ({ name, kind: "ram", depth, width, bits: depth * width, role: "activations" });

describe("iCE40 EBR mapping (256x16, 512x8, 1024x4, 2048x2; cost 64 per block + 1/2 per read-mux bit)", () => {
  it("6272 x 32 ROM (784 inputs x 8 groups, P = 16 ternary): 512x8 gives 13 banks x 32 bits = 52 blocks", () => {
    // 256x16: 25 banks -> ceil(25*32/16) = 50 blocks, cost 50*64 + 24*32/2 = 3584
    // 512x8:  13 banks -> ceil(13*32/8)  = 52 blocks, cost 52*64 + 12*32/2 = 3520  <- cheapest
    // 1024x4:  7 banks -> 56 blocks; 2048x2: 4 banks -> 64 blocks
    expect(mapMemory(rom("w", 6272, 32), ICE40_MEMORY)).toMatchObject({ block: "SB_RAM40_4K", shape: { depth: 512, width: 8 }, banks: 13, blocks: 52, muxBits: 384 });
  });

  it("1024 x 32 ROM: 8 blocks in every ratio but 2048x2, the single-bank 1024x4 wins", () => {
    expect(mapMemory(rom("w", 1024, 32), ICE40_MEMORY)).toMatchObject({ shape: { depth: 1024, width: 4 }, banks: 1, blocks: 8, muxBits: 0 });
  });

  it("small ROMs go to logic when bits/16 <= block cost: 8 x 176 bias ROM (88 < 704), 64 x 16 ROM (64 = 64, a tie)", () => {
    expect(mapMemory(rom("b", 8, 176), ICE40_MEMORY)).toMatchObject({ block: null, blocks: 0 });
    expect(mapMemory(rom("w", 64, 16), ICE40_MEMORY)).toMatchObject({ block: null, blocks: 0 });
    // 150 x 8 = 1200 bits: logic 75 > 64, so one 256x16 block.
    expect(mapMemory(rom("w", 150, 8), ICE40_MEMORY)).toMatchObject({ blocks: 1, shape: { depth: 256, width: 16 } });
  });

  it("RAMs cost 1 per bit as flip-flops, so a 10 x 17 logit file (170 bits) takes 2 blocks of 256x16", () => {
    expect(mapMemory(ram("logit", 10, 17), ICE40_MEMORY)).toMatchObject({ blocks: 2, shape: { depth: 256, width: 16 } });
    expect(mapMemory(ram("x", 4, 8), ICE40_MEMORY)).toMatchObject({ block: null });
  });

  it("1536 x 2 ROM (P = 1 ternary) fits one 2048x2 block", () => {
    expect(mapMemory(rom("w", 1536, 2), ICE40_MEMORY)).toMatchObject({ blocks: 1, shape: { depth: 2048, width: 2 } });
  });
});

describe("Xilinx 7-series mapping (RAMB36 cost 257, RAMB18 cost 129, SDP LUTRAM cost 8, ROM logic 1/64 per bit)", () => {
  it("6272 x 32 ROM: 13 banks side by side in 512x72 RAMB36 = ceil(416/72) = 6 blocks", () => {
    // RAMB36 512x72: 6*257 + 12*32/2 = 1734; RAMB18 1024x18: 7 banks, ceil(224/18) = 13, 13*129 + 96 = 1773;
    // RAMB36 1024x36: 7 blocks, 1799 + 96.
    expect(mapMemory(rom("w", 6272, 32), XILINX_MEMORY)).toMatchObject({ block: "RAMB36E1", shape: { depth: 512, width: 72 }, banks: 13, blocks: 6 });
  });

  it("1024 x 32 ROM: one RAMB36 as 1024x36", () => {
    expect(mapMemory(rom("w", 1024, 32), XILINX_MEMORY)).toMatchObject({ block: "RAMB36E1", shape: { depth: 1024, width: 36 }, blocks: 1 });
  });

  it("784 x 8 buffer: one RAMB18 (2048x9); 128 x 8 buffer: six RAM64M (2 banks x 3 slices); ROMs never use LUTRAM", () => {
    expect(mapMemory(ram("buf0", 784, 8), XILINX_MEMORY)).toMatchObject({ block: "RAMB18E1", shape: { depth: 2048, width: 9 }, blocks: 1 });
    expect(mapMemory(ram("buf1", 128, 8), XILINX_MEMORY)).toMatchObject({ block: "LUTRAM", shape: { depth: 64, width: 3 }, blocks: 6 });
    // 128 x 32 ROM: 4096/64 = 64 LUTs of logic < 129 for a RAMB18.
    expect(mapMemory(rom("w", 128, 32), XILINX_MEMORY)).toMatchObject({ block: null });
  });
});

describe("memorySummary of the default 784-128-128-10 ternary design, P = 16", () => {
  const m = parseManifest(JSON.parse(readFileSync("test/fixtures/yosys/manifest-784-128-128-10-p16.json", "utf8")), "fixture");
  const s = memorySummary(m);
  it("bits: weight ROMs 784*8*32 + 128*8*32 + 128*1*32, bias ROMs 128*18 + 128*15 + 10*15 (one drain bias per output), buffers 784*8 + 128*8", () => {
    expect(s.weightRomBits).toBe(200704 + 32768 + 4096);
    // Without the 6 idle lanes of the last layer's group: (784*128 + 128*128 + 128*10) * 2.
    expect(s.weightBitsUsed).toBe((784 * 128 + 128 * 128 + 128 * 10) * 2);
    expect(s.biasRomBits).toBe(128 * 18 + 128 * 15 + 10 * 15);
    expect(s.activationBufferBits).toBe(784 * 8 + 128 * 8);
    expect(s.logitBits).toBe(10 * 17);
  });
  it("block RAM equals what Yosys 0.55 inferred (held-out P = 16 design): 70 EBR; 7 RAMB36 + 2 RAMB18", () => {
    // synth_ice40: w_rom_l0 52 (512x8), w_rom_l1 8 (1024x4), w_rom_l2 2 (128 x 20 used, 256x16),
    // b_rom_l0 2 (128 x 17 varying bits), b_rom_l1 1 (128 x 13), buf0 2, buf1 1, logit 2; b_rom_l2 (10 x 14) logic.
    expect(s.ice40.ebr).toBe(70);
    // synth_xilinx: w_rom_l0 6 RAMB36 (SDP x72), w_rom_l1 1 RAMB36, w_rom_l2 1 RAMB18 (rom_style block),
    // buf0 1 RAMB18; buf1 and logit in LUTRAM; bias ROMs in logic.
    expect(s.xilinx).toMatchObject({ ramb36: 7, ramb18: 2, ramb36Equivalent: 8, lutramLuts: 36 });
  });
});
