/**
 * Prices one (network shape, precision, hardware architecture, folding) with the calibrated cost
 * model: the architecture from the registry (src/hw/registry.ts) describes the design of a seeded
 * random network of that shape and precision (weights move area by a few percent,
 * docs/cost-model.md), the analytic model (src/cost/analytic.ts) gives LUTs and flip-flops, the
 * block-RAM mapping rule (src/cost/memory.ts) block RAM, the manifest the IO pins and the cycles per
 * inference. Any architecture in the registry is priced; one the cost model has no calibration for,
 * or one that cannot build the network, gives a reason instead of a footprint.
 *
 * Foldings: the architecture parameters tried per architecture (mac-array: lanes). An architecture
 * missing from FOLDINGS is priced with its default parameters.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyticEstimate, COEFFICIENTS } from "../cost/analytic.js";
import { ioPins } from "../cost/estimate.js";
import { memorySummary } from "../cost/memory.js";
import type { Manifest } from "../hw/bundle/manifest.js";
import { buildManifest } from "../hw/mac-array/manifest.js";
import { planMacArray } from "../hw/mac-array/plan.js";
import type { MacArrayParams } from "../hw/mac-array/index.js";
import { architectureIds, designFor, getArchitecture } from "../hw/registry.js";
import { randomChainNetwork, randomDenseNetwork, type ChainLayerSpec } from "../ir/random.js";
import type { Network } from "../ir/schema.js";
import { canonicalJson } from "../sweep/points.js";
import type { Architecture as NetArch } from "../sweep/trainer.js";
import { ensureWritableDir, writeFileAtomic } from "../util/fs.js";
import { TritforgeError } from "../util/errors.js";

export const SIGNAL_BITS = 8;
export const INPUT_BITS = 8;

/** Parameters tried per hardware architecture. */
export const FOLDINGS: Record<string, Record<string, unknown>[]> = {
  "mac-array": [1, 2, 4, 8, 16, 32, 64].map((lanes) => ({ lanes })),
  // The dataflow folding solver under a LUT budget (its default is 3000).
  dataflow: [1000, 3000, 10000, 30000].map((maxLuts) => ({ maxLuts })),
};

export const foldingsFor = (archId: string): Record<string, unknown>[] => FOLDINGS[archId] ?? [{}];

/** "lanes=16", or "defaults". */
export const describeFolding = (params: Record<string, unknown>): string =>
  Object.keys(params).length ? Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(",") : "defaults";

export interface Footprint {
  /** Null when the cost model has no iCE40 calibration for the architecture. */
  ice40: { lut4: number; ff: number; ebr: number } | null;
  /** LUTs include LUTs used as distributed RAM; bram in RAMB36 equivalents. */
  xilinx: { lut: number; ff: number; ramb36: number };
  dsp: number;
  io: number;
  /** Cycles between successive inferences' starts, and from first input to last output. */
  interval: number;
  latency: number;
}

export type Priced = { footprint: Footprint } | { skipped: string };

/** The seeded random stand-in network of a shape and precision. */
export function standInNetwork(arch: NetArch, levels: number): Network {
  if (arch.kind === "ffdnn") return randomDenseNetwork({ name: "candidate", seed: 1, sizes: [784, ...arch.hidden, 10], levels, signalBits: SIGNAL_BITS, inputBits: INPUT_BITS });
  const layers: ChainLayerSpec[] = [
    ...arch.conv.flatMap((out): ChainLayerSpec[] => [{ kind: "conv2d", out, kernel: 3, padding: 1 }, { kind: "maxpool", size: 2, stride: 2 }]),
    { kind: "flatten" },
    ...[...arch.dense, 10].map((out): ChainLayerSpec => ({ kind: "dense", out })),
  ];
  return randomChainNetwork({ name: "candidate", seed: 1, input: [28, 28, 1], layers, levels, signalBits: SIGNAL_BITS, inputBits: INPUT_BITS });
}

/** The design's manifest; mac-array has a fast path that skips rendering RTL and ROM files. */
function manifestOf(net: Network, archId: string, params: Record<string, unknown>): Manifest {
  if (archId === "mac-array") {
    const arch = getArchitecture(archId);
    const p = arch.params.parse(params) as MacArrayParams;
    const why = arch.unsupported(net, p);
    if (why) throw new TritforgeError(`${archId} cannot build ${net.name}: ${why}`);
    return buildManifest(planMacArray(net, p.lanes, { requant: p.requant }), net);
  }
  return designFor(net, archId, params).manifest;
}

export function footprintOf(m: Manifest): Footprint {
  const a = analyticEstimate(m);
  const mem = memorySummary(m);
  return {
    ice40: a.ice40 ? { lut4: a.ice40.lut4, ff: a.ice40.dff, ebr: mem.ice40.ebr } : null,
    xilinx: { lut: a.xilinx.lut + mem.xilinx.lutramLuts, ff: a.xilinx.ff, ramb36: mem.xilinx.ramb36Equivalent },
    dsp: 0,
    io: ioPins(m),
    interval: m.timing.interval,
    latency: m.timing.latency,
  };
}

/** Prices one design; reasons instead of throwing (unsupported network, uncalibrated architecture). */
export function priceDesign(arch: NetArch, levels: number, archId: string, params: Record<string, unknown>, net?: Network): Priced {
  try {
    return { footprint: footprintOf(manifestOf(net ?? standInNetwork(arch, levels), archId, params)) };
  } catch (err) {
    if (err instanceof TritforgeError) return { skipped: err.message };
    throw err;
  }
}

/** Every architecture in the registry. */
export const hardwareArchitectures = (): string[] => architectureIds();

let fingerprint: string | null = null;

/**
 * A digest of everything a price depends on: the cost model's coefficients and the sources of the
 * hardware generators and the cost model (an architecture that learns a new layer kind, or a
 * recalibration, invalidates the cache).
 */
export function pricingFingerprint(): string {
  if (fingerprint) return fingerprint;
  const h = createHash("sha256").update(JSON.stringify(COEFFICIENTS));
  const src = join(dirname(fileURLToPath(import.meta.url)), "..");
  for (const dir of ["hw", "cost"])
    for (const f of (readdirSync(join(src, dir), { recursive: true }) as string[]).filter((x) => /\.(ts|hbs|json)$/.test(x)).sort()) h.update(f).update(readFileSync(join(src, dir, f)));
  fingerprint = h.digest("hex").slice(0, 16);
  return fingerprint;
}

/**
 * A price cache on disk (JSON object, key -> Priced), so a second `design` run prices nothing again.
 * The key includes pricingFingerprint(): a change to a generator or to the cost model invalidates it.
 */
export class PriceCache {
  private entries: Record<string, Priced>;
  private dirty = false;
  constructor(private readonly file: string | null) {
    this.entries = file && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, Priced>) : {};
  }

  static key(arch: NetArch, levels: number, archId: string, params: Record<string, unknown>): string {
    return canonicalJson({ arch, levels, archId, params, signalBits: SIGNAL_BITS, inputBits: INPUT_BITS, model: pricingFingerprint() });
  }

  price(arch: NetArch, levels: number, archId: string, params: Record<string, unknown>, net?: () => Network): Priced {
    const k = PriceCache.key(arch, levels, archId, params);
    const hit = this.entries[k];
    if (hit) return hit;
    const p = priceDesign(arch, levels, archId, params, net?.());
    this.entries[k] = p;
    this.dirty = true;
    return p;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    ensureWritableDir(dirname(this.file));
    writeFileAtomic(this.file, JSON.stringify(this.entries));
    this.dirty = false;
  }
}
