/**
 * The boards a bundle can be built for: part, package, oscillator and the pins of the clock, the
 * USB-UART bridge and the LEDs, from each board's public documentation. The table is validated
 * with zod when the module loads, so a bad edit fails every command at once.
 *
 *  - iCEBreaker (v1.0e): iCE40UP5K-SG48, 12 MHz oscillator on pin 35 (a PLL-capable pad),
 *    FT2232H channel B as UART (FPGA RX = pin 6, FPGA TX = pin 9), red LED pin 11 and green LED
 *    pin 37 (both active low), user button pin 10.
 *  - iCE40-HX8K Breakout Board (Lattice ICE40HX8K-B-EVN): iCE40HX8K-CT256, 12 MHz oscillator on
 *    J3, FT2232H channel B as UART (FPGA RX = B10, FPGA TX = B12), eight LEDs D2..D9 on B5, B4, A2,
 *    A1, C5, C4, B3, C3 (active high).
 */
import { z } from "zod";
import { TritforgeError } from "../util/errors.js";
import { ICE40_PARTS, type Ice40Part, type Ice40PartName } from "../cost/parts.js";

const pin = z.string().regex(/^[A-Z]?\d+$/, "a package pin such as 35 or J3");

const ledSchema = z.object({ pin, activeLow: z.boolean() });

export const boardSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  label: z.string(),
  part: z.enum(["up5k", "hx8k"]),
  /** Board oscillator in MHz. */
  clockMHz: z.number().positive(),
  clockPin: pin,
  /** PLL primitive that can take the oscillator: the pad variant only where the clock pin is a PLL pad. */
  pll: z.enum(["SB_PLL40_PAD", "SB_PLL40_CORE"]),
  uartRxPin: pin,
  uartTxPin: pin,
  /** LED that shows a framing/overrun error (sticky until power-on or reset). */
  errorLed: ledSchema,
  /** LED that toggles on every result sent. */
  activityLed: ledSchema,
  /** Where the board's pins are documented. */
  source: z.string(),
});
export type Board = z.infer<typeof boardSchema>;

const BOARD_TABLE: unknown[] = [
  {
    name: "icebreaker",
    label: "iCEBreaker (iCE40UP5K-SG48)",
    part: "up5k",
    clockMHz: 12,
    clockPin: "35",
    pll: "SB_PLL40_PAD",
    uartRxPin: "6",
    uartTxPin: "9",
    errorLed: { pin: "11", activeLow: true },
    activityLed: { pin: "37", activeLow: true },
    source: "iCEBreaker v1.0e schematic and the icestorm example icebreaker.pcf",
  },
  {
    name: "hx8k-breakout",
    label: "iCE40-HX8K Breakout Board (iCE40HX8K-CT256)",
    part: "hx8k",
    clockMHz: 12,
    clockPin: "J3",
    pll: "SB_PLL40_CORE",
    uartRxPin: "B10",
    uartTxPin: "B12",
    errorLed: { pin: "B5", activeLow: false },
    activityLed: { pin: "B4", activeLow: false },
    source: "Lattice iCE40HX8K-B-EVN user guide and the icestorm example hx8kboard.pcf",
  },
];

export const BOARDS: readonly Board[] = z.array(boardSchema).parse(BOARD_TABLE);
export const BOARD_NAMES = BOARDS.map((b) => b.name);

export function findBoard(name: string): Board {
  const b = BOARDS.find((x) => x.name === name);
  if (!b) throw new TritforgeError(`unknown board "${name}": choose one of ${BOARD_NAMES.join(", ")}`);
  return b;
}

export const boardPart = (b: Board): Ice40Part => ICE40_PARTS[b.part as Ice40PartName];
