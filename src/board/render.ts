/**
 * Renders a board plan into files: the top level (clock, power-on reset, UART link, accelerator),
 * its bit-level testbench, the pin file, the Yosys script, the build script and board.json.
 * The view values are computed here; the templates only paste them.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TOOL_VERSION } from "../hw/common/bundle.js";
import { templateSet } from "../hw/common/render.js";
import { unsignedBits } from "../ir/analyze.js";
import type { BoardConfig, BoardPlan } from "./plan.js";
import { replyBytes } from "./protocol.js";

const render = templateSet(join(dirname(fileURLToPath(import.meta.url)), "templates"));

const ledExpr = (signal: string, activeLow: boolean) => (activeLow ? `!${signal}` : signal);

function topView(p: BoardPlan) {
  const d = p.design;
  const lb = p.protocol.logitBytes;
  const byteIdxBits = Math.max(1, unsignedBits(lb - 1));
  return {
    toolVersion: TOOL_VERSION,
    module: p.module,
    accel: d.top,
    boardName: p.board.name,
    boardLabel: p.board.label,
    boardClockMHz: p.board.clockMHz,
    clockNote: p.pll
      ? `${p.board.clockMHz} MHz oscillator -> ${p.pll.primitive} -> ${p.coreMHz} MHz core clock`
      : `the ${p.board.clockMHz} MHz oscillator drives the core directly (no PLL)`,
    pll: p.pll,
    porBits: 8,
    porCycles: 255,
    baud: p.baud,
    clksPerBit: p.clksPerBit,
    baudErrorPct: p.baudErrorPct.toFixed(2),
    bitCntBits: Math.max(1, unsignedBits(p.clksPerBit - 1)),
    idleClocks: p.idleClocks,
    idleMs: p.idleMs,
    idleBits: unsignedBits(p.idleClocks),
    features: d.features,
    countBits: Math.max(1, unsignedBits(d.features - 1)),
    lastPixel: d.features - 1,
    classes: d.classes,
    classBits: p.classBits,
    classPad: p.classBits === 7 ? `m_tuser[${p.classBits - 1}:0]` : `{ ${7 - p.classBits}'d0, m_tuser[${p.classBits - 1}:0] }`,
    logitBits: d.logitBits,
    logitBytes: lb,
    byteIdxBits,
    lastByte: `${byteIdxBits}'d${lb - 1}`,
    errorLedExpr: ledExpr("(error_seen || framing_error)", p.board.errorLed.activeLow),
    activityLedExpr: ledExpr("activity", p.board.activityLed.activeLow),
    replyBytes: replyBytes(p.protocol),
  };
}

/** The board's synthesisable Verilog files (top level first), relative to the bundle root. */
export const boardSources = (c: BoardConfig): string[] => [c.files.top, c.files.uartRx, c.files.uartTx];

/** Every file of the board folder as [path relative to the bundle root, content]. */
export function renderBoardFiles(p: BoardPlan): Array<[string, string]> {
  const f = p.config.files;
  const view = topView(p);
  const sources = [...p.design.rtl, ...boardSources(p.config)];
  return [
    [f.top, render("board-top", view)],
    [f.uartRx, render("uart-rx", view)],
    [f.uartTx, render("uart-tx", view)],
    [f.testbench, render("board-tb", view)],
    [
      f.pcf,
      render("pins.pcf", {
        toolVersion: TOOL_VERSION,
        boardLabel: p.board.label,
        module: p.module,
        source: p.board.source,
        clockPin: p.board.clockPin,
        rxPin: p.board.uartRxPin,
        txPin: p.board.uartTxPin,
        errorLedPin: p.board.errorLed.pin,
        activityLedPin: p.board.activityLed.pin,
      }),
    ],
    [f.synth, render("synth.ys", { toolVersion: TOOL_VERSION, boardLabel: p.board.label, module: p.module, sources, netlist: f.netlist, stat: f.stat })],
    [
      f.script,
      render("build.sh", {
        toolVersion: TOOL_VERSION,
        boardLabel: p.board.label,
        boardName: p.board.name,
        module: p.module,
        coreMHz: p.coreMHz,
        buildDir: p.buildDir,
        synthScript: f.synth,
        nextpnrArgs: p.config.nextpnrArgs.join(" "),
        asc: f.asc,
        bitstream: f.bitstream,
      }),
    ],
    [`${p.dir}/board.json`, JSON.stringify(p.config, null, 2) + "\n"],
  ];
}
