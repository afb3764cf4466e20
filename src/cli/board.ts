/**
 * npm run board -- <command>: iCE40 board support for hardware bundles.
 *   gen   <bundle> --board B [--clock-mhz F] [--baud N]   write board/<B>/ (top level, pins, scripts)
 *   sim   <bundle> --board B [--images N]                 bit-level co-simulation of the board top
 *   build <bundle> --board B                              Yosys -> nextpnr-ice40 -> icepack, timing enforced
 *   run   [bundle] --port PORT --vectors N --board B      stream test images to a board, check every class
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { BOARD_NAMES } from "../board/boards.js";
import { addBoard, readBoardConfig } from "../board/bundle.js";
import { buildBoard } from "../board/build.js";
import { cosimulateBoard } from "../board/cosim.js";
import { openSerialLink, runImages } from "../board/host.js";
import { loadNetwork } from "../ir/io.js";
import { infer, inputSize } from "../reference/infer.js";
import { pickVectors } from "../sim/vectors.js";
import { parseIntFlag, parseNumberFlag, runCli } from "../util/cli.js";
import { TritforgeError } from "../util/errors.js";

const boardOption = () => new Option("--board <name>", "target board").choices(BOARD_NAMES).default("icebreaker");

function bundleNetwork(bundle: string) {
  const file = join(bundle, "network.json");
  if (!existsSync(file)) throw new TritforgeError(`${bundle} is not a hardware bundle (no network.json)`);
  return loadNetwork(file);
}

async function main(): Promise<void> {
  const program = new Command("board").description("iCE40 board builds of hardware bundles: top level, pins, bitstream, host link.").exitOverride().allowExcessArguments(false);

  program
    .command("gen")
    .description("write board/<board>/ into a bundle: top level (clock, power-on reset, UART link), pin file, Yosys and build scripts")
    .argument("<bundle>", "hardware bundle folder (hw/NAME)")
    .addOption(boardOption())
    .option("--clock-mhz <f>", "core clock in MHz (a PLL makes it from the board oscillator; default: the oscillator)")
    .option("--baud <n>", "UART bit rate", "1000000")
    .option("--idle-ms <ms>", "idle line in mid-image that restarts the byte count", "100")
    .action(async (bundle: string, o: { board: string; clockMhz?: string; baud: string; idleMs: string }) => {
      const coreMHz = o.clockMhz === undefined ? undefined : parseNumberFlag("--clock-mhz", o.clockMhz);
      const plan = await addBoard(bundle, o.board, { coreMHz, baud: parseIntFlag("--baud", o.baud, 1200), idleMs: parseIntFlag("--idle-ms", o.idleMs, 1) });
      process.stdout.write(
        `tritforge board gen: ${bundle}/${plan.dir}/ for the ${plan.board.label}: ${plan.module}, ${plan.coreMHz} MHz core${plan.pll ? ` (PLL ${plan.board.clockMHz} -> ${plan.pll.outMHz} MHz)` : ""}, UART ${plan.baud} baud\n`,
      );
    });

  program
    .command("sim")
    .description("co-simulate the board top level at bit level (UART in, UART out) against the reference")
    .argument("<bundle>", "hardware bundle folder")
    .addOption(boardOption())
    .option("--images <n>", "test images to send", "10")
    .action(async (bundle: string, o: { board: string; images: string }) => {
      const net = bundleNetwork(bundle);
      const picked = pickVectors(net, parseIntFlag("--images", o.images, 1, 1000), 1);
      const r = await cosimulateBoard(net, bundle, o.board, picked.inputs, picked.count);
      process.stdout.write(`tritforge board sim: ${bundle} (${o.board}): ${r.images - new Set(r.mismatches.map((x) => x.image)).size}/${r.images} replies equal the reference (${picked.source}), ${r.cycles} cycles\n`);
      if (r.mismatches.length) throw new TritforgeError(`board top disagrees with the reference: ${r.mismatches.slice(0, 3).map((x) => `image ${x.image} ${x.field}: ${x.rtl} != ${x.reference}`).join("; ")}`);
    });

  program
    .command("build")
    .description("Yosys -> nextpnr-ice40 (board pins, clock constraint enforced) -> icepack; reports utilisation, Fmax and the bitstream")
    .argument("<bundle>", "hardware bundle folder")
    .addOption(boardOption())
    .addOption(new Option("--yosys <which>", "Yosys to use").choices(["auto", "system", "wasm"]).default("auto"))
    .option("--json", "print the result as one JSON object", false)
    .action(async (bundle: string, o: { board: string; yosys: "auto" | "system" | "wasm"; json: boolean }) => {
      if (!existsSync(join(bundle, "board", o.board, "board.json"))) await addBoard(bundle, o.board);
      const r = await buildBoard(bundle, o.board, { yosys: o.yosys, onProgress: o.json ? undefined : (l) => process.stderr.write(`  .. ${l}\n`) });
      if (o.json) return void process.stdout.write(JSON.stringify(r) + "\n");
      const u = (k: string) => (r.utilization[k] ? `${r.utilization[k]!.used}/${r.utilization[k]!.available}` : "?");
      process.stdout.write(
        [
          `tritforge board build: ${bundle} on the ${r.part} (${r.board})`,
          `  timing     met: Fmax ${r.fmaxMHz.toFixed(2)} MHz at a ${r.coreMHz} MHz constraint`,
          `  logic      ${u("ICESTORM_LC")} logic cells, ${u("ICESTORM_RAM")} EBR, ${u("SB_IO")} IO, ${u("ICESTORM_PLL")} PLL`,
          `  bitstream  ${r.bitstream}`,
          `  time       synthesis ${r.seconds.synth.toFixed(0)} s${r.synthCached ? " (cached)" : ""}, place and route ${r.seconds.pnr.toFixed(0)} s`,
        ].join("\n") + "\n",
      );
    });

  program
    .command("run")
    .description("stream test images to a board over its serial port and check every class and logit against the reference")
    .argument("[bundle]", "hardware bundle folder with a built board", "hw/mnist_ternary_32")
    .addOption(boardOption())
    .requiredOption("--port <path>", "serial port of the board (e.g. /dev/ttyUSB1 for the iCEBreaker's second FTDI channel)")
    .option("--vectors <n>", "test images to send", "20")
    .action(async (bundle: string, o: { board: string; port: string; vectors: string }) => {
      const net = bundleNetwork(bundle);
      const cfg = readBoardConfig(bundle, o.board);
      const picked = pickVectors(net, parseIntFlag("--vectors", o.vectors, 1, 100000), 1);
      const n = inputSize(net);
      const ref = infer(net, Array.from({ length: picked.count * n }, (_, i) => picked.inputs[i]!), picked.count);
      const link = await openSerialLink(o.port, cfg.baud);
      let results;
      try {
        results = await runImages(link, picked.inputs, picked.count, (i) => ({ predicted: ref.predicted[i]!, logits: Array.from(ref.logits.subarray(i * ref.classes, (i + 1) * ref.classes)) }), picked.labels, {
          shape: cfg.protocol,
          baud: cfg.baud,
          idleMs: cfg.idleMs,
          onImage: (r) => {
            if (!r.exact) process.stderr.write(`  image ${r.image}: ${r.reply ? `board class ${r.reply.predicted}${r.reply.error ? " (error flag)" : ""}, reference ${r.reference.predicted}` : "no reply"}\n`);
          },
        });
      } finally {
        await link.close();
      }
      const exact = results.filter((r) => r.exact).length;
      const labelled = results.filter((r) => r.label !== null && r.reply?.predicted === r.label).length;
      process.stdout.write(`tritforge board run: ${exact}/${results.length} images equal the reference (${picked.source})${picked.labels ? `, ${labelled}/${results.length} labels correct` : ""}\n`);
      if (exact !== results.length) throw new TritforgeError(`${results.length - exact} of ${results.length} board results differ from the reference or were lost`);
    });

  await program.parseAsync();
}

runCli(main);
