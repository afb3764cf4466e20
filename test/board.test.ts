/**
 * Board support: the board table, the PLL search against icestorm's icepll, the serial protocol,
 * the board plan's checks, the host command over a real pseudo-terminal pair (socat), and the
 * generated board top co-simulated at bit level on ten MNIST test images against the reference.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { afterAll, describe, expect, it } from "vitest";
import { BOARDS, boardSchema, findBoard } from "../src/board/boards.js";
import { addBoard, readBoardConfig } from "../src/board/bundle.js";
import { cosimulateBoard } from "../src/board/cosim.js";
import { openSerialLink, runImages } from "../src/board/host.js";
import { planBoard, type BoardDesign } from "../src/board/plan.js";
import { planPll } from "../src/board/pll.js";
import { decodeReplies, imageBytes, replyBytes, type ProtocolShape } from "../src/board/protocol.js";
import { loadNetwork } from "../src/ir/io.js";
import { infer } from "../src/reference/infer.js";
import { pickVectors } from "../src/sim/vectors.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-board-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const design: BoardDesign = { name: "net", top: "net_accel", rtl: ["rtl/net_accel.v"], features: 784, inputBits: 8, classes: 10, logitBits: 14 };

describe("board table", () => {
  it("validates every board and finds them by name", () => {
    for (const b of BOARDS) expect(boardSchema.parse(b)).toEqual(b);
    expect(findBoard("icebreaker").clockPin).toBe("35");
    expect(findBoard("hx8k-breakout").uartRxPin).toBe("B10");
    expect(() => findBoard("arty")).toThrow(/unknown board "arty": choose one of icebreaker, hx8k-breakout/);
  });
});

describe("PLL", () => {
  const icepll = spawnSync("icepll", ["-i", "12", "-o", "48", "-q"], { encoding: "utf8" });
  it.each([16, 24, 30, 36, 40, 48, 60, 100])("12 MHz -> %d MHz: the same setting as icepll", (mhz) => {
    const p = planPll(12, mhz);
    if (icepll.error) {
      // Without icestorm: known answers (icepll 12 -> 48: DIVR 0, DIVF 63, DIVQ 4).
      if (mhz === 48) expect(p).toMatchObject({ divr: 0, divf: 63, divq: 4, filterRange: 1, outMHz: 48 });
      return;
    }
    const out = spawnSync("icepll", ["-i", "12", "-o", String(mhz)], { encoding: "utf8" }).stdout;
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(out)![1]);
    expect({ divr: p.divr, divf: p.divf, divq: p.divq, filterRange: p.filterRange }).toEqual({ divr: field("DIVR"), divf: field("DIVF"), divq: field("DIVQ"), filterRange: field("FILTER_RANGE") });
    expect(p.outMHz.toFixed(3)).toBe(/F_PLLOUT:\s+([\d.]+) MHz \(achieved\)/.exec(out)![1]);
  });
  it("rejects frequencies outside the PLL's range", () => {
    expect(() => planPll(12, 300)).toThrow(/16..275 MHz/);
  });
});

describe("serial protocol", () => {
  const shape: ProtocolShape = { features: 3, classes: 2, logitBytes: 2 };
  it("decodes status, class and little-endian two's-complement logits", () => {
    expect(replyBytes(shape)).toBe(5);
    expect(decodeReplies(shape, [0x81, 0xff, 0xff, 0x34, 0x12, 0x00, 0x00, 0x80, 0x00, 0x80])).toEqual([
      { predicted: 1, error: true, logits: [-1, 0x1234] },
      { predicted: 0, error: false, logits: [-32768, -32768] },
    ]);
    expect(() => decodeReplies(shape, [1, 2, 3])).toThrow(/not a whole number of 5-byte replies/);
  });
  it("sends images as bytes and refuses values a byte cannot carry", () => {
    expect([...imageBytes(shape, [1, 2, 3, 4, 5, 6], 1)]).toEqual([4, 5, 6]);
    expect(() => imageBytes(shape, [1, 256, 3], 0)).toThrow(/pixel 1 of image 0 is 256/);
  });
});

describe("board plan", () => {
  it("derives the UART divider, the PLL and the tool arguments", () => {
    const p = planBoard(design, findBoard("icebreaker"));
    expect(p).toMatchObject({ coreMHz: 12, pll: null, clksPerBit: 12, baudErrorPct: 0, idleClocks: 1_200_000, module: "net_icebreaker" });
    expect(p.protocol).toEqual({ features: 784, classes: 10, logitBytes: 2 });
    expect(p.config.nextpnrArgs.join(" ")).toBe(
      "--up5k --package sg48 --json board/icebreaker/build/net_icebreaker.json --pcf board/icebreaker/pins.pcf --freq 12 --asc board/icebreaker/build/net_icebreaker.asc --report board/icebreaker/build/nextpnr-report.json --seed 1",
    );
    const fast = planBoard(design, findBoard("hx8k-breakout"), { coreMHz: 36, baud: 115200 });
    expect(fast.pll).toMatchObject({ primitive: "SB_PLL40_CORE", inputPort: "REFERENCECLK", divr: 0, divf: 47, divq: 4 });
    expect(fast.clksPerBit).toBe(313);
  });
  it("names what it cannot build", () => {
    const b = findBoard("icebreaker");
    expect(() => planBoard({ ...design, inputBits: 12 }, b)).toThrow(/carries 8-bit pixels; net has 12-bit inputs/);
    expect(() => planBoard({ ...design, classes: 200 }, b)).toThrow(/classes 0..127/);
    expect(() => planBoard(design, b, { baud: 3_000_000 })).toThrow(/at least 8 core cycles per bit/);
    expect(() => planBoard(design, b, { baud: 1_400_000 })).toThrow(/off by 4.76%/);
    expect(() => planBoard(design, b, { coreMHz: 37.1 })).toThrow(/cannot make 37.1 MHz/);
  });
});

// A board stand-in on the far end of a socat pseudo-terminal pair: it answers every image with the
// reference result (so the test checks the host's serial handling and protocol, not the RTL).
describe.runIf(spawnSync("socat", ["-V"]).status === 0)("host command over a pseudo-terminal", () => {
  it("streams images, reads the replies and checks them; a lost reply is reported, later ones still match", async () => {
    const a = join(work, "pty-host");
    const b = join(work, "pty-board");
    const socat: ChildProcess = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
    try {
      for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 50));
      const net = loadNetwork("models/mnist-ternary-32.json");
      const picked = pickVectors(net, 4, 1);
      const ref = infer(net, Array.from(picked.inputs.subarray(0, 4 * 784)), 4);
      const shape: ProtocolShape = { features: 784, classes: 10, logitBytes: 2 };
      const refOf = (i: number) => ({ predicted: ref.predicted[i]!, logits: Array.from(ref.logits.subarray(i * 10, i * 10 + 10)) });
      const board = new SerialPort({ path: b, baudRate: 1_000_000 });
      let got = Buffer.alloc(0);
      let image = 0;
      board.on("data", (d: Buffer) => {
        got = Buffer.concat([got, d]);
        while (got.length >= 784) {
          got = got.subarray(784);
          const i = image++;
          if (i === 2) continue; // this image's reply is lost
          const r = refOf(i);
          const reply = [r.predicted, ...r.logits.flatMap((v) => [v & 0xff, (v >> 8) & 0xff])];
          board.write(Buffer.from(reply));
        }
      });
      const link = await openSerialLink(a, 1_000_000);
      const results = await runImages(link, picked.inputs, 4, refOf, picked.labels, { shape, baud: 1_000_000, idleMs: 50 });
      await link.close();
      await new Promise<void>((r) => board.close(() => r()));
      expect(results.map((r) => r.exact)).toEqual([true, true, false, true]);
      expect(results[2]!.reply).toBeNull();
      expect(results[3]!.reply!.logits).toEqual(refOf(3).logits);
    } finally {
      socat.kill();
    }
  });
  it("a port that does not exist is a one-line error", async () => {
    await expect(openSerialLink(join(work, "no-such-tty"), 115200)).rejects.toThrow(/cannot open serial port .*no-such-tty/);
  });
});

describe("board top co-simulation", () => {
  it.each([
    ["icebreaker", 10],
    ["hx8k-breakout", 3],
  ] as const)("%s: UART in, UART out, every class and logit of %d MNIST test images equals the reference", async (board, images) => {
    const bundle = join(work, `mnist-${board}`);
    cpSync("hw/mnist_ternary_32", bundle, { recursive: true });
    const plan = await addBoard(bundle, board);
    expect(readBoardConfig(bundle, board)).toEqual(plan.config);
    const net = loadNetwork(join(bundle, "network.json"));
    const picked = pickVectors(net, images, 1);
    expect(picked.count).toBe(images);
    const r = await cosimulateBoard(net, bundle, board, picked.inputs, picked.count, join(work, `run-${board}`));
    expect(r.mismatches).toEqual([]);
    expect(r.replies).toHaveLength(images);
    expect(readFileSync(join(bundle, plan.config.files.pcf), "utf8")).toContain(`set_io -nowarn uart_rx      ${plan.board.uartRxPin}`);
  }, 900_000); // ~1M simulated cycles: about a minute alone, several on a loaded machine
});
