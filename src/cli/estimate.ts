/**
 * npm run estimate -- hw/NAME [hw/OTHER ...] [--json] [--no-synth] [--no-pnr] [--part up5k|hx8k]
 * Memory, block RAM, analytic and Yosys cell counts, and iCE40 Fmax / inferences per second of
 * generated hardware bundles. A bundle that fails is reported and the others still run.
 */
import { Command, Option } from "commander";
import { estimateDesigns } from "../cost/estimate.js";
import { formatEstimate } from "../cost/format.js";
import type { Ice40PartName } from "../cost/parts.js";
import { parseIntFlag, runCli } from "../util/cli.js";

interface Flags {
  json: boolean;
  synth: boolean;
  pnr: boolean;
  part?: Ice40PartName;
  yosys: "auto" | "system" | "wasm";
  timeout: string;
  quiet: boolean;
}

async function main(): Promise<void> {
  const program = new Command("estimate")
    .description("Hardware cost of generated bundles: memory, block RAM, cells per target (Yosys), Fmax and inferences/s (nextpnr-ice40).")
    .argument("<bundle...>", "hardware bundle folders written by gen-rtl (hw/NAME)")
    .addOption(new Option("--json", "print one JSON object per bundle").default(false))
    .option("--no-synth", "skip Yosys (memory and analytic estimates only)")
    .option("--no-pnr", "skip place and route")
    .addOption(new Option("--part <part>", "iCE40 part for place and route (default: both)").choices(["up5k", "hx8k"]))
    .addOption(new Option("--yosys <which>", "Yosys to use").choices(["auto", "system", "wasm"]).default("auto"))
    .option("--timeout <s>", "timeout per tool run in seconds", "3600")
    .option("--quiet", "no progress lines on stderr", false)
    .exitOverride()
    .allowExcessArguments(false);
  program.parse();
  const o = program.opts<Flags>();
  const timeoutMs = parseIntFlag("--timeout", o.timeout, 1) * 1000;
  const results = await estimateDesigns(program.args, {
    synth: o.synth,
    pnr: o.pnr,
    parts: o.part ? [o.part] : undefined,
    yosys: o.yosys,
    timeoutMs,
    onProgress: o.quiet || o.json ? undefined : (line) => process.stderr.write(`  .. ${line}\n`),
  });
  for (const r of results) {
    if (o.json) process.stdout.write(JSON.stringify(r.estimate ?? { bundle: r.bundleDir, error: r.error }) + "\n");
    else process.stdout.write((r.estimate ? formatEstimate(r.estimate) : `tritforge estimate: ${r.bundleDir}: error: ${r.error}`) + "\n");
  }
  const failures = results.filter((r) => r.error);
  if (failures.length) {
    process.stderr.write(`error: ${failures.length} of ${results.length} bundle(s) failed: ${failures.map((f) => f.error).join("; ")}\n`);
    process.exitCode = 1;
  }
}

runCli(main);
