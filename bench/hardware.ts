/**
 * Benchmarks of the hardware half: the reference model's throughput, and the RTL simulation's
 * (simulated cycles/s and inputs/s) in both simulators on the default bundle.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomDenseNetwork, randomInputs } from "../src/ir/random.js";
import { inferFast } from "../src/reference/fast.js";
import { infer } from "../src/reference/infer.js";
import { cosimulate } from "../src/sim/cosim.js";
import { loadBundle } from "../src/sim/bundle.js";
import { pickVectors } from "../src/sim/vectors.js";
import { simulatorNamed } from "../src/sim/run.js";
import { childCpuSeconds } from "../src/util/cpu.js";
import { loadNetwork } from "../src/ir/io.js";
import { DEFAULT_MODEL } from "../src/cli/common.js";

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function benchReference(): Promise<void> {
  for (const sizes of [[784, 256, 256, 10], [784, 1024, 1024, 1024, 10]]) {
    const net = randomDenseNetwork({ name: "bench_ref", seed: 1, sizes, levels: 3 });
    const count = sizes[1] === 1024 ? 2000 : 10000;
    const x = randomInputs(1, count, 784, 8);
    infer(net, x, 256); // warm-up
    const t0 = performance.now();
    infer(net, x, count);
    const s = (performance.now() - t0) / 1000;
    console.log(`reference (typed-array JS)  ternary ${sizes.join("-")}: ${fmt(count / s)} inputs/s (${count} inputs in ${fmt(s, 2)} s)`);
    const n = 10000;
    const xf = randomInputs(3, n, 784, 8);
    await inferFast(net, xf, 256); // warm-up and backend start
    const t1 = performance.now();
    const f = await inferFast(net, xf, n);
    const sf = (performance.now() - t1) / 1000;
    console.log(`reference (${f.engine}) ternary ${sizes.join("-")}: ${fmt(n / sf)} inputs/s (${n} inputs in ${fmt(sf, 2)} s)`);
  }
}

/**
 * Both simulators on the default bundle (hw/<default model>), in one run: simulated cycles/s and
 * inputs/s of Icarus and of Verilator (build cached per bundle, its time reported apart), and the
 * ratio. Each run is checked against the reference.
 */
export async function benchSimulation(): Promise<void> {
  const bundle = loadBundle(join("hw", loadNetwork(DEFAULT_MODEL).name));
  const dir = mkdtempSync(join(tmpdir(), "tritforge-bench-"));
  try {
    const rates: Record<string, number> = {};
    const cpuRates: Record<string, number> = {};
    for (const [simulator, count] of [["icarus", 8], ["verilator", 200]] as const) {
      const picked = pickVectors(bundle.network, count, 1);
      await simulatorNamed(simulator).build(bundle.dir, bundle.manifest); // build (or find cached) before timing
      const cpu0 = childCpuSeconds();
      const r = await cosimulate(bundle.network, bundle.dir, picked.inputs, picked.count, { simulator, manifest: bundle.manifest, runDir: join(dir, simulator) });
      const cpu1 = childCpuSeconds();
      const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
      const s = r.sim.wallSeconds;
      rates[simulator] = r.sim.totalCycles / s;
      if (cpu) cpuRates[simulator] = r.sim.totalCycles / cpu;
      console.log(
        `simulation (${simulator.padEnd(9)}) ${bundle.manifest.name} (${bundle.manifest.arch.id}, ${bundle.manifest.timing.latency} cycles per input): ` +
          `${fmt(r.sim.totalCycles / s)} simulated cycles/s, ${fmt(picked.count / s, 2)} inputs/s (${picked.count} inputs in ${fmt(s, 2)} s wall` +
          (cpu ? `, ${fmt(cpu, 2)} CPU s: ${fmt(r.sim.totalCycles / cpu)} cycles per CPU second` : "") +
          `; mismatches: ${r.mismatches.length})`,
      );
    }
    console.log(
      `simulation ratio            verilator / icarus = ${fmt(rates.verilator! / rates.icarus!, 1)}x (wall cycles/s)` +
        (cpuRates.icarus && cpuRates.verilator ? `, ${fmt(cpuRates.verilator / cpuRates.icarus, 1)}x (cycles per CPU second)` : ""),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
