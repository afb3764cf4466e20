/**
 * Memory of a generated accelerator and its block-RAM mapping on iCE40 and Xilinx 7-series.
 *
 * Mapping rule (docs/cost-model.md; modelled on Yosys's memory_libmap and the iCE40 / Xilinx memory
 * libraries, so that the counts agree with synthesis): a memory of depth D and width W is cut into
 * banks = ceil(D / d) address ranges of a block aspect ratio d x w; the banks sit side by side and
 * share blocks, blocks = ceil(banks * W / w) (a read returns one row of every bank and a mux picks
 * the addressed word, (banks - 1) * W two-input mux bits). Over every block type and aspect ratio
 * the cheapest wins, cost = blockCost * blocks + MUX_COST * muxBits (MUX_COST = 1/2: the value that
 * reproduces Yosys's choices on both targets, see the tests). If the memory is cheaper as soft logic
 * (bits * logicCost <= block cost: ROMs become LUT logic, RAMs flip-flops) it takes no block. Distributed
 * (LUT) RAM is only used for RAMs: ROMs always go to block RAM or logic.
 */
import type { Manifest } from "../hw/bundle/manifest.js";

export type MemoryKind = "rom" | "ram";

export interface MemoryItem {
  name: string;
  kind: MemoryKind;
  depth: number;
  width: number;
  bits: number;
  /** A style attribute on the memory in the RTL: "block" makes synthesis use block RAM whatever it costs. */
  style?: "block" | "distributed";
  /** What it holds: weights, biases, activations or logits. */
  role: "weights" | "bias" | "activations" | "logits" | "other";
}

export interface BlockShape {
  depth: number;
  width: number;
}

export interface BlockType {
  name: string;
  /** Relative cost of one block (Yosys memlib cost units). */
  cost: number;
  shapes: BlockShape[];
  /** Distributed (LUT) RAM: counted apart from block RAM, never used for ROMs. */
  distributed?: boolean;
}

export interface MemoryTarget {
  name: string;
  types: BlockType[];
  /** Cost of one bit left to soft logic. */
  logicCost: { rom: number; ram: number };
}

export interface BlockMapping {
  memory: string;
  /** Block type used, or null when the memory is left to soft logic / flip-flops. */
  block: string | null;
  shape: BlockShape | null;
  banks: number;
  blocks: number;
  /** 2:1 read-mux bits needed to combine banks. */
  muxBits: number;
}

/** iCE40 SB_RAM40_4K: 4 kbit, four aspect ratios (Yosys cost 64). */
export const ICE40_EBR: BlockType = {
  name: "SB_RAM40_4K",
  cost: 64,
  shapes: [
    { depth: 256, width: 16 },
    { depth: 512, width: 8 },
    { depth: 1024, width: 4 },
    { depth: 2048, width: 2 },
  ],
};

/** Xilinx 7-series RAMB18E1: 18 kbit incl. parity; x36 in simple dual-port mode (Yosys cost 129). */
export const XILINX_RAMB18: BlockType = {
  name: "RAMB18E1",
  cost: 129,
  shapes: [
    { depth: 16384, width: 1 },
    { depth: 8192, width: 2 },
    { depth: 4096, width: 4 },
    { depth: 2048, width: 9 },
    { depth: 1024, width: 18 },
    { depth: 512, width: 36 },
  ],
};

/** Xilinx 7-series RAMB36E1: 36 kbit incl. parity; x72 in simple dual-port mode (Yosys cost 257). */
export const XILINX_RAMB36: BlockType = {
  name: "RAMB36E1",
  cost: 257,
  shapes: [
    { depth: 32768, width: 1 },
    { depth: 16384, width: 2 },
    { depth: 8192, width: 4 },
    { depth: 4096, width: 9 },
    { depth: 2048, width: 18 },
    { depth: 1024, width: 36 },
    { depth: 512, width: 72 },
  ],
};

/** Xilinx simple-dual-port distributed RAM: RAM32M (32 x 6) and RAM64M (64 x 3), 4 LUTs each (cost 8). */
export const XILINX_LUTRAM_SDP: BlockType = {
  name: "LUTRAM",
  cost: 8,
  distributed: true,
  shapes: [
    { depth: 32, width: 6 },
    { depth: 64, width: 3 },
  ],
};

/** synth_ice40: EBR only; Yosys's default soft-logic costs (ROM 1/16, RAM 1 per bit). */
export const ICE40_MEMORY: MemoryTarget = { name: "ice40", types: [ICE40_EBR], logicCost: { rom: 1 / 16, ram: 1 } };
/** synth_xilinx (xc7): block RAM, distributed RAM for RAMs, ROM logic at 1/64 per bit (one LUT6 holds 64 bits). */
export const XILINX_MEMORY: MemoryTarget = {
  name: "xilinx",
  types: [XILINX_RAMB36, XILINX_RAMB18, XILINX_LUTRAM_SDP],
  logicCost: { rom: 1 / 64, ram: 1 },
};

/**
 * The memories of a bundle as synthesis sees them: the manifest's memories at their used width
 * (bits that are constant zero, such as idle lanes of a one-group layer, are dropped by synthesis).
 */
export function bundleMemories(m: Manifest): MemoryItem[] {
  return m.memories.map((x) => ({
    name: x.name,
    kind: x.kind,
    depth: x.depth,
    width: x.usedWidth,
    bits: x.depth * x.usedWidth,
    role: x.role,
    ...(x.style ? { style: x.style } : {}),
  }));
}

/** Cost of one 2:1 read-mux bit relative to the block costs. */
export const MUX_COST = 0.5;

interface Candidate {
  mapping: BlockMapping;
  cost: number;
}

function candidate(mem: MemoryItem, type: BlockType, shape: BlockShape): Candidate {
  const banks = Math.ceil(mem.depth / shape.depth);
  const blocks = Math.ceil((banks * mem.width) / shape.width);
  const muxBits = (banks - 1) * mem.width;
  return { mapping: { memory: mem.name, block: type.name, shape, banks, blocks, muxBits }, cost: type.cost * blocks + MUX_COST * muxBits };
}

/**
 * Maps one memory onto the cheapest block type and aspect ratio of the target, or onto soft logic
 * when that is no dearer (as in Yosys, a tie goes to logic). Among blocks, ties go to the earlier
 * type, then the earlier shape.
 */
export function mapMemory(mem: MemoryItem, target: MemoryTarget): BlockMapping {
  let best: Candidate | null = null;
  for (const type of target.types) {
    if (type.distributed && (mem.kind === "rom" || mem.style === "block")) continue;
    for (const shape of type.shapes) {
      const c = candidate(mem, type, shape);
      if (!best || c.cost < best.cost) best = c;
    }
  }
  const logicCost = mem.style === "block" ? Number.POSITIVE_INFINITY : mem.bits * target.logicCost[mem.kind];
  if (!best || logicCost <= best.cost) return { memory: mem.name, block: null, shape: null, banks: 0, blocks: 0, muxBits: 0 };
  return best.mapping;
}

export interface MemorySummary {
  /** Packed weight ROM bits (sum over layers of depth x width, idle lanes included). */
  weightRomBits: number;
  /** Weight bits without the idle lanes of a last partial group: sum N_in * N_out * bits. */
  weightBitsUsed: number;
  biasRomBits: number;
  activationBufferBits: number;
  logitBits: number;
  totalBits: number;
  perLayer: Array<{ name: string; weightRomBits: number; biasRomBits: number }>;
  ice40: { ebr: number; mappings: BlockMapping[] };
  /** ramb36Equivalent = RAMB36 + RAMB18 / 2; lutramLuts: LUTs used as RAM32M/RAM64M (4 each). */
  xilinx: { ramb18: number; ramb36: number; ramb36Equivalent: number; lutramLuts: number; mappings: BlockMapping[] };
}

/** Memory bits and block-RAM counts of a bundle, from its manifest alone. */
export function memorySummary(m: Manifest): MemorySummary {
  const mems = bundleMemories(m);
  const full = (role: string, layer?: number) => m.memories.filter((x) => x.role === role && (layer === undefined || x.layer === layer)).reduce((s, x) => s + x.bits, 0);
  const weightRomBits = full("weights");
  const biasRomBits = full("bias");
  const sum = (role: MemoryItem["role"]) => mems.filter((x) => x.role === role).reduce((s, x) => s + x.bits, 0);
  const ice = mems.map((x) => mapMemory(x, ICE40_MEMORY));
  const xil = mems.map((x) => mapMemory(x, XILINX_MEMORY));
  const count = (maps: BlockMapping[], name: string) => maps.filter((x) => x.block === name).reduce((s, x) => s + x.blocks, 0);
  const ramb18 = count(xil, XILINX_RAMB18.name);
  const ramb36 = count(xil, XILINX_RAMB36.name);
  return {
    weightRomBits,
    weightBitsUsed: m.network.layers.reduce((s, l) => s + l.inFeatures * l.outFeatures * l.weightBits, 0),
    biasRomBits,
    activationBufferBits: sum("activations"),
    logitBits: sum("logits"),
    totalBits: weightRomBits + biasRomBits + sum("activations") + sum("logits"),
    perLayer: m.network.layers.map((l, i) => ({ name: l.name, weightRomBits: full("weights", i), biasRomBits: full("bias", i) })),
    ice40: { ebr: count(ice, ICE40_EBR.name), mappings: ice },
    xilinx: { ramb18, ramb36, ramb36Equivalent: ramb36 + ramb18 / 2, lutramLuts: 4 * count(xil, XILINX_LUTRAM_SDP.name), mappings: xil },
  };
}
