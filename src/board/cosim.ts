/**
 * Bit-level co-simulation of a board top level in Icarus Verilog: the generated testbench sends
 * images over the UART line exactly as the host command does, and every reply is decoded with the
 * host's own protocol code and compared with the bit-exact reference.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Network } from "../ir/schema.js";
import { infer, inputSize } from "../reference/infer.js";
import { loadManifest } from "../hw/bundle/manifest.js";
import { run } from "../sim/simulator.js";
import { requireTool } from "../sim/tools.js";
import { TritforgeError } from "../util/errors.js";
import { readBoardConfig } from "./bundle.js";
import { boardSources } from "./render.js";
import { decodeReplies, imageBytes, replyBytes, type Reply } from "./protocol.js";

export interface BoardCosimReport {
  images: number;
  replies: Reply[];
  /** Images whose class, logits or error flag differ from the reference. */
  mismatches: Array<{ image: number; field: string; rtl: number; reference: number }>;
  cycles: number;
}

export async function cosimulateBoard(net: Network, bundleDir: string, boardName: string, pixels: ArrayLike<number>, count: number, runDir?: string): Promise<BoardCosimReport> {
  requireTool("iverilog");
  requireTool("vvp");
  const bundle = resolve(bundleDir);
  const m = loadManifest(bundle);
  const cfg = readBoardConfig(bundle, boardName);
  const shape = cfg.protocol;
  const n = inputSize(net);
  if (n !== shape.features) throw new TritforgeError(`network has ${n} inputs, the board top expects ${shape.features}`);
  let dir = runDir;
  if (!dir) {
    const root = resolve("sim", "runs");
    mkdirSync(root, { recursive: true });
    dir = mkdtempSync(join(root, `${m.name}-${boardName}-`));
  }
  dir = resolve(dir);
  mkdirSync(dir, { recursive: true });
  const bytesFile = join(dir, "image-bytes.mem");
  const repliesFile = join(dir, "replies.mem");
  const lines: string[] = [];
  for (let i = 0; i < count; i++) for (const b of imageBytes(shape, pixels, i)) lines.push(b.toString(16).padStart(2, "0"));
  writeFileSync(bytesFile, lines.join("\n") + "\n");
  const tb = `${cfg.module}_tb`;
  const vvp = join(dir, "board.vvp");
  const compile = await run("iverilog", ["-g2005", "-o", vvp, "-s", tb, `-P${tb}.MAXI=${Math.max(1, count)}`, ...m.files.rtl, ...boardSources(cfg), cfg.files.testbench], bundle);
  if (compile.code !== 0) throw new TritforgeError(`iverilog failed on the ${boardName} top: ${compile.stderr.trim().split("\n")[0]}`);
  const perImage = (shape.features + replyBytes(shape)) * 10 * cfg.clksPerBit + 20 * m.timing.latency + 10000;
  const sim = await run("vvp", ["-n", vvp, `+bytes=${bytesFile}`, `+replies=${repliesFile}`, `+images=${count}`, `+maxcycles=${perImage * count}`], bundle);
  const done = /DONE (\d+) images, (\d+) bytes received in (\d+) cycles/.exec(sim.stdout);
  const error = sim.stdout.split("\n").find((l) => /TIMEOUT|ERROR/.test(l));
  if (sim.code !== 0 || !done || error) throw new TritforgeError(`board simulation of ${m.name} (${boardName}) failed: ${error ?? sim.stderr.trim().split("\n")[0] ?? `exit ${sim.code}`}`);
  const received = readFileSync(repliesFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => parseInt(l, 16));
  const replies = decodeReplies(shape, received);
  const flat = Array.from({ length: count * n }, (_, i) => pixels[i]!);
  const ref = infer(net, flat, count);
  const mismatches: BoardCosimReport["mismatches"] = [];
  if (replies.length !== count) mismatches.push({ image: -1, field: "reply count", rtl: replies.length, reference: count });
  replies.forEach((r, i) => {
    if (r.predicted !== ref.predicted[i]) mismatches.push({ image: i, field: "class", rtl: r.predicted, reference: ref.predicted[i]! });
    if (r.error) mismatches.push({ image: i, field: "error flag", rtl: 1, reference: 0 });
    r.logits.forEach((v, c) => {
      const want = ref.logits[i * ref.classes + c]!;
      if (v !== want) mismatches.push({ image: i, field: `logit[${c}]`, rtl: v, reference: want });
    });
  });
  return { images: count, replies, mismatches, cycles: Number(done[3]) };
}
