/**
 * The board build plan: every width, count, constant, file name and tool argument of a bundle's
 * board top level, computed from the bundle's accelerator and the board. Templates paste these.
 */
import { z } from "zod";
import { unsignedBits } from "../ir/analyze.js";
import { TritforgeError } from "../util/errors.js";
import { boardPart, type Board } from "./boards.js";
import { planPll, type PllSetting } from "./pll.js";
import type { ProtocolShape } from "./protocol.js";

/** What the board top needs to know about the accelerator of a bundle. */
export interface BoardDesign {
  name: string;
  top: string;
  /** RTL files relative to the bundle root. */
  rtl: string[];
  features: number;
  inputBits: number;
  classes: number;
  logitBits: number;
}

export interface BoardOptions {
  /** Core clock in MHz; a PLL is used when it differs from the board oscillator. */
  coreMHz?: number;
  baud?: number;
  /** Idle time in the middle of an image after which the byte count restarts. */
  idleMs?: number;
}

export const DEFAULT_BAUD = 1_000_000;
export const DEFAULT_IDLE_MS = 100;

export const boardConfigSchema = z.object({
  format: z.literal("tritforge-board"),
  version: z.literal(1),
  board: z.string(),
  part: z.string(),
  module: z.string(),
  accelerator: z.string(),
  coreMHz: z.number().positive(),
  pll: z.object({ divr: z.number(), divf: z.number(), divq: z.number(), filterRange: z.number(), outMHz: z.number() }).nullable(),
  baud: z.number().int().positive(),
  clksPerBit: z.number().int().positive(),
  idleMs: z.number().positive(),
  protocol: z.object({ features: z.number().int().positive(), classes: z.number().int().positive(), logitBytes: z.number().int().positive() }),
  files: z.object({ top: z.string(), uartRx: z.string(), uartTx: z.string(), testbench: z.string(), pcf: z.string(), synth: z.string(), script: z.string(), netlist: z.string(), stat: z.string(), asc: z.string(), bitstream: z.string(), report: z.string() }),
  nextpnrArgs: z.array(z.string()),
});
export type BoardConfig = z.infer<typeof boardConfigSchema>;

export interface BoardPlan {
  board: Board;
  design: BoardDesign;
  module: string;
  dir: string;
  buildDir: string;
  coreMHz: number;
  pll: (PllSetting & { primitive: string; inputPort: string }) | null;
  baud: number;
  clksPerBit: number;
  baudErrorPct: number;
  idleMs: number;
  idleClocks: number;
  protocol: ProtocolShape;
  classBits: number;
  config: BoardConfig;
}

export function planBoard(design: BoardDesign, board: Board, o: BoardOptions = {}): BoardPlan {
  if (design.inputBits > 8) throw new TritforgeError(`the ${board.name} UART link carries 8-bit pixels; ${design.name} has ${design.inputBits}-bit inputs`);
  if (design.classes > 128) throw new TritforgeError(`the reply's status byte holds classes 0..127; ${design.name} has ${design.classes} classes`);
  const wanted = o.coreMHz ?? board.clockMHz;
  const pllSetting = wanted === board.clockMHz ? null : planPll(board.clockMHz, wanted);
  if (pllSetting && Math.abs(pllSetting.outMHz - wanted) > 0.005 * wanted)
    throw new TritforgeError(`the PLL cannot make ${wanted} MHz from ${board.clockMHz} MHz (closest ${pllSetting.outMHz.toFixed(3)} MHz); choose --clock-mhz ${pllSetting.outMHz.toFixed(3)}`);
  const coreMHz = pllSetting ? pllSetting.outMHz : board.clockMHz;
  const baud = o.baud ?? DEFAULT_BAUD;
  if (!Number.isInteger(baud) || baud < 1200) throw new TritforgeError(`--baud must be a whole number >= 1200, got ${baud}`);
  const clksPerBit = Math.round((coreMHz * 1e6) / baud);
  if (clksPerBit < 8) throw new TritforgeError(`${baud} baud needs at least 8 core cycles per bit; at ${coreMHz} MHz the limit is ${Math.floor((coreMHz * 1e6) / 8)} baud`);
  const baudErrorPct = Math.abs((coreMHz * 1e6) / clksPerBit / baud - 1) * 100;
  if (baudErrorPct > 2) throw new TritforgeError(`${baud} baud from ${coreMHz} MHz is off by ${baudErrorPct.toFixed(2)}% (more than 2%): choose another --baud`);
  const idleMs = o.idleMs ?? DEFAULT_IDLE_MS;
  const idleClocks = Math.round(coreMHz * 1000 * idleMs);
  if (idleClocks < 20 * clksPerBit) throw new TritforgeError(`--idle-ms ${idleMs} is shorter than two bytes on the line`);
  const module = `${design.name.toLowerCase()}_${board.name.replace(/-/g, "_")}`;
  const dir = `board/${board.name}`;
  const buildDir = `${dir}/build`;
  const part = boardPart(board);
  const files = {
    top: `${dir}/${module}.v`,
    uartRx: `${dir}/${module}_uart_rx.v`,
    uartTx: `${dir}/${module}_uart_tx.v`,
    testbench: `${dir}/${module}_tb.v`,
    pcf: `${dir}/pins.pcf`,
    synth: `${dir}/synth.ys`,
    script: `${dir}/build.sh`,
    netlist: `${buildDir}/${module}.json`,
    stat: `${buildDir}/stat.json`,
    asc: `${buildDir}/${module}.asc`,
    bitstream: `${buildDir}/${module}.bin`,
    report: `${buildDir}/nextpnr-report.json`,
  };
  const nextpnrArgs = [part.deviceFlag, "--package", part.packageName, "--json", files.netlist, "--pcf", files.pcf, "--freq", String(coreMHz), "--asc", files.asc, "--report", files.report, "--seed", "1"];
  const protocol = { features: design.features, classes: design.classes, logitBytes: Math.ceil(design.logitBits / 8) };
  const pll = pllSetting ? { ...pllSetting, primitive: board.pll, inputPort: board.pll === "SB_PLL40_PAD" ? "PACKAGEPIN" : "REFERENCECLK" } : null;
  return {
    board,
    design,
    module,
    dir,
    buildDir,
    coreMHz,
    pll,
    baud,
    clksPerBit,
    baudErrorPct,
    idleMs,
    idleClocks,
    protocol,
    classBits: Math.max(1, unsignedBits(design.classes - 1)),
    config: {
      format: "tritforge-board",
      version: 1,
      board: board.name,
      part: part.label,
      module,
      accelerator: design.top,
      coreMHz,
      pll: pllSetting,
      baud,
      clksPerBit,
      idleMs,
      protocol,
      files,
      nextpnrArgs,
    },
  };
}
