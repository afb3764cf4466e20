/**
 * npm run bench -- hardware: the hardware Pareto report. Sweeps P for the mac-array and target
 * intervals for the dataflow architecture on the default network (784-256-256-256-10) and on the
 * 784-32-10 network, prices every point with the calibrated analytic models (Xilinx LUT), adds the
 * designs measured with Yosys synth_xilinx and the published FINN designs, and writes
 * report/hardware-pareto.svg (log-log, LUT against inferences per cycle) and report/hardware-pareto.csv.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadNetwork } from "../src/ir/io.js";
import { compareArchitectures, dataflowPoints, FINN_POINTS, ISSUE_BASELINE, macArrayPoints, paretoCsv, paretoSpec, perKLut, type ParetoPoint } from "../src/report/hardware.js";
import { renderSvg } from "../src/report/plots.js";
import { writeFileAtomic } from "../src/util/fs.js";
import { CALIBRATION_FILE, type DfCalibrationPoint } from "../src/hw/dataflow/calibration.js";

const NETS = [
  { file: "models/fashion-ternary-256x3.json", shape: "784-256-256-256-10", targets: [200000, 100000, 50000, 25000, 10000, 5000, 3500, 2000, 1000, 500, 200, 100] },
  { file: "models/mnist-ternary-32.json", shape: "784-32-10", targets: [25088, 12544, 6272, 3136, 1568, 784, 392, 196, 98, 49, 28] },
];

/** Yosys-measured points: the mac-array bundles' estimates and the dataflow calibration designs. */
function measured(): ParetoPoint[] {
  const out: ParetoPoint[] = [];
  for (const [dir, shape] of [["hw/fashion_ternary_256x3", "784-256-256-256-10"], ["hw/mnist_ternary_32", "784-32-10"]] as const) {
    const est = join(dir, "estimate.json");
    if (!existsSync(est)) continue;
    const e = JSON.parse(readFileSync(est, "utf8")) as { arch: { id: string; params: { lanes?: number } }; interval: number; synthesis?: { xilinx?: { lut?: number } } };
    const lut = e.synthesis?.xilinx?.lut;
    if (lut) out.push({ network: shape, arch: e.arch.id, source: "yosys", label: `P=${e.arch.params.lanes} (Yosys)`, lut, interval: e.interval, inferencesPerCycle: 1 / e.interval });
  }
  if (existsSync(CALIBRATION_FILE)) {
    const cal = JSON.parse(readFileSync(CALIBRATION_FILE, "utf8")) as { points: DfCalibrationPoint[] };
    for (const p of cal.points) {
      const shape = p.name.startsWith("fashion") ? "784-256-256-256-10" : p.name.startsWith("mnist32") ? "784-32-10" : null;
      if (shape) out.push({ network: shape, arch: "dataflow", source: "yosys", label: `${p.name} (Yosys)`, lut: p.lut, interval: p.interval, inferencesPerCycle: 1 / p.interval, bram36: (p.ramb36 ?? 0) + (p.ramb18 ?? 0) / 2 });
    }
  }
  return out;
}

export async function benchHardware(): Promise<void> {
  const points: ParetoPoint[] = [];
  for (const n of NETS) {
    const net = loadNetwork(n.file);
    const rename = (p: ParetoPoint): ParetoPoint => ({ ...p, network: n.shape });
    points.push(...macArrayPoints(net).map(rename), ...dataflowPoints(net, n.targets).map(rename));
  }
  points.push(...measured(), ...FINN_POINTS);
  const svg = await renderSvg(paretoSpec(points, "LUT vs inferences per cycle (ternary weights, 8-bit signals; FINN: 1-bit)"));
  writeFileAtomic("report/hardware-pareto.svg", svg);
  writeFileAtomic("report/hardware-pareto.csv", paretoCsv(points));
  for (const p of points)
    console.log(`${p.network.padEnd(20)} ${p.arch.padEnd(26)} ${p.source.padEnd(9)} ${p.label.padEnd(24)} ${String(p.lut).padStart(7)} LUT  interval ${p.interval.toFixed(1).padStart(9)}  ${perKLut(p).toExponential(2)} inferences/cycle/kLUT`);
  const macs = points.filter((p) => p.arch === "mac-array" && p.source === "yosys");
  for (const mac of [...macs, ISSUE_BASELINE]) {
    const c = compareArchitectures(points, mac);
    if (!c) continue;
    const x = (v: number) => `${v.toFixed(2)}x`;
    console.log(
      `${c.network}: against mac-array ${mac.label} (${mac.lut} LUT, ${mac.interval} cycles, ${perKLut(mac).toExponential(2)}): best measured dataflow ${c.best.label} ` +
        `${perKLut(c.best).toExponential(2)} = ${x(c.efficiency)}; ` +
        (c.fast ? `fewest-LUT measured dataflow >= 6x faster: ${c.fast.label}, interval ${c.fast.interval} (${x(c.speedup!)} shorter), ${c.fast.lut} LUT = ${x(c.lutRatio!)}` : "no measured dataflow design >= 6x faster"),
    );
  }
  console.log("wrote report/hardware-pareto.svg, report/hardware-pareto.csv");
}
