/**
 * Benchmarks of the hardware half: the reference model's throughput and the RTL simulation's
 * (simulated cycles/s and inputs/s) for a ternary 784-256-256-10 network with P = 16.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomDenseNetwork, randomInputs } from "../src/ir/random.js";
import { inferFast } from "../src/reference/fast.js";
import { infer } from "../src/reference/infer.js";
import { generateBundle } from "../src/hw/registry.js";
import { cosimulate } from "../src/sim/cosim.js";

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

export async function benchSimulation(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tritforge-bench-"));
  try {
    const net = randomDenseNetwork({ name: "bench_sim", seed: 1, sizes: [784, 256, 256, 10], levels: 3 });
    const { manifest } = await generateBundle(net, join(dir, "bundle"), "mac-array", { lanes: 16 });
    const count = 20;
    const x = randomInputs(2, count, 784, 8);
    const r = await cosimulate(net, join(dir, "bundle"), x, count, { runDir: join(dir, "run") });
    const s = r.sim.wallSeconds;
    console.log(
      `simulation (Icarus vvp)     ternary 784-256-256-10, P=16: ${fmt(r.sim.totalCycles / s)} simulated cycles/s, ${fmt(count / s, 2)} inputs/s ` +
        `(${count} inputs, ${manifest.timing.latency} cycles each, ${fmt(s, 2)} s; mismatches: ${r.mismatches.length})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
