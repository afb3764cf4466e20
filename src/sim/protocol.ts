/**
 * The AXI4-Stream protocol check of a bundle: its protocol-checker testbench
 * (tb/<top>_protocol_tb.v) streams images with random gaps and back-pressure and injects the faults
 * of a scenario (a dropped beat, an extra beat, a reset in mid-image); every complete output packet
 * is compared with the bit-exact reference of the image the testbench attributes it to.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadManifest } from "../hw/bundle/manifest.js";
import { hexLines } from "../hw/common/rom.js";
import { protocolTestbenchFile } from "../hw/common/testbench.js";
import type { Network } from "../ir/schema.js";
import { infer, inputSize } from "../reference/infer.js";
import { TritforgeError } from "../util/errors.js";
import { simulatorNamed, SimulationError } from "./run.js";
import { verdict, type SimulatorName } from "./simulator.js";

export interface ProtocolScenario {
  images: number;
  /** Percent of cycles with a source gap and of cycles without tready. */
  stall: number;
  seed: number;
  /** Image that loses one beat (at `beat`). */
  drop?: { image: number; beat: number };
  /** Image that carries one beat too many. */
  extra?: { image: number };
  /** Reset asserted for `cycles` cycles when image `image`'s beat `beat` is due. */
  reset?: { image: number; beat: number; cycles: number };
}

export interface ProtocolPacket {
  image: number;
  predicted: number;
  /** tuser flag: an input image was dropped since the previous packet. */
  dropped: boolean;
  /** The status output when the packet's last beat was taken. */
  framingError: boolean;
  logits: number[];
}

export interface ProtocolReport {
  packets: ProtocolPacket[];
  /** Images unanswered when the reset came. */
  lost: number[];
  statusBeforeReset: boolean | null;
  statusEnd: boolean;
  /** Packets whose class or logits differ from the reference. */
  mismatches: Array<{ image: number; field: string; rtl: number; reference: number }>;
}

export async function protocolCheck(net: Network, bundleDir: string, s: ProtocolScenario, simulator: SimulatorName, runDir?: string): Promise<ProtocolReport> {
  const bundle = resolve(bundleDir);
  const m0 = loadManifest(bundle);
  const tb = protocolTestbenchFile(m0.top);
  const m = { ...m0, files: { ...m0.files, testbench: tb } };
  const sim = simulatorNamed(simulator);
  sim.check();
  const n = inputSize(net);
  if (n !== m.interface.input.beats) throw new TritforgeError(`network has ${n} inputs, the bundle ${m.interface.input.beats} beats per image`);
  let dir = runDir;
  if (!dir) {
    const root = resolve("sim", "runs");
    mkdirSync(root, { recursive: true });
    dir = mkdtempSync(join(root, `${m.name}-protocol-`));
  }
  dir = resolve(dir);
  mkdirSync(dir, { recursive: true });
  // Seeded inputs in the network's input range (the checker is about framing, not accuracy).
  let x = (s.seed * 2654435761) >>> 0 || 1;
  const maxIn = 2 ** net.input.bits - 1;
  const inputs = Array.from({ length: s.images * n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % (maxIn + 1);
  });
  const inputFile = join(dir, "inputs.hex");
  const outputFile = join(dir, "outputs.txt");
  writeFileSync(inputFile, hexLines(inputs, inputs.length, m.interface.input.valueBits));
  writeFileSync(outputFile, "");
  const extraArgs = [
    ...(s.drop ? [`+drop=${s.drop.image}`, `+droppos=${s.drop.beat}`] : []),
    ...(s.extra ? [`+extra=${s.extra.image}`] : []),
    ...(s.reset ? [`+reset=${s.reset.image}`, `+resetpos=${s.reset.beat}`, `+resetlen=${s.reset.cycles}`] : []),
  ];
  const maxCycles = Math.max(10000, (m.timing.latency + m.timing.interval * s.images + 100) * (s.stall ? 20 : 3));
  const build = await sim.build(bundle, m, `${m.top}_protocol_tb`);
  const r = await sim.exec(build, { bundleDir: bundle, manifest: m, inputFile, outputFile, count: s.images, stall: s.stall, seed: s.seed, maxCycles, extraArgs });
  const v = verdict(r.stdout);
  if (!v.done) throw new SimulationError(`protocol check of ${m.name} (${sim.name}) failed: ${v.why}`);
  const classes = m.interface.output.beats;
  const packets = readFileSync(outputFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line): ProtocolPacket => {
      const [left, right] = line.split("|");
      const logits = (left ?? "").trim().split(/\s+/).map(Number);
      const [image, predicted, dropped, status] = (right ?? "").trim().split(/\s+/).map(Number);
      if (logits.length !== classes || [image, predicted, dropped, status].some((q) => q === undefined || !Number.isFinite(q))) throw new TritforgeError(`protocol checker output is malformed: "${line}"`);
      return { image: image!, predicted: predicted!, dropped: dropped === 1, framingError: status === 1, logits };
    });
  const ref = infer(net, inputs, s.images);
  const mismatches: ProtocolReport["mismatches"] = [];
  for (const p of packets) {
    if (p.predicted !== ref.predicted[p.image]) mismatches.push({ image: p.image, field: "class", rtl: p.predicted, reference: ref.predicted[p.image]! });
    p.logits.forEach((l, c) => {
      const want = ref.logits[p.image * ref.classes + c]!;
      if (l !== want) mismatches.push({ image: p.image, field: `logit[${c}]`, rtl: l, reference: want });
    });
  }
  const line = (re: RegExp) => re.exec(r.stdout);
  const before = line(/STATUS_BEFORE_RESET (\d)/);
  return {
    packets,
    lost: [...r.stdout.matchAll(/^LOST (\d+)/gm)].map((q) => Number(q[1])),
    statusBeforeReset: before ? before[1] === "1" : null,
    statusEnd: line(/STATUS_END (\d)/)?.[1] === "1",
    mismatches,
  };
}
