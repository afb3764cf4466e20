/**
 * The dataflow co-simulation check shared by the dense and CNN suites: every integer equals the
 * reference, every image's first-input and last-output cycle equals the cycle model (so the
 * measured latency and interval equal the manifest's), the same with random stalls on both ports
 * (integers only), and the bundle lints clean.
 */
import { join } from "node:path";
import { expect } from "vitest";
import type { Network } from "../src/ir/schema.js";
import type { Manifest } from "../src/hw/bundle/manifest.js";
import { checkTiming, shapeFromManifest, steadyStateImages } from "../src/hw/dataflow/measure.js";
import { cosimulate } from "../src/sim/cosim.js";
import { lintBundle } from "../src/sim/lint.js";

/** Images a check streams: enough to reach the steady state, at least `min`. */
export const imagesFor = (m: Manifest, min: number): number => Math.max(min, steadyStateImages(shapeFromManifest(m), m.timing.interval));

export async function expectExactDataflow(net: Network, dir: string, m: Manifest, inputs: ArrayLike<number>, count: number, stall: number, seed: number): Promise<void> {
  const clean = await cosimulate(net, dir, inputs, count, { runDir: join(dir, "run") });
  expect(clean.mismatches).toEqual([]);
  const timing = checkTiming(shapeFromManifest(m), clean.sim.vectors);
  expect(timing.measured).toEqual(timing.predicted);
  expect(timing.measuredLatency).toBe(m.timing.latency);
  expect(timing.measuredInterval).toBe(m.timing.interval);
  const stalled = await cosimulate(net, dir, inputs, count, { runDir: join(dir, "stall"), stall, seed });
  expect(stalled.mismatches).toEqual([]);
  expect(stalled.sim.vectors).toHaveLength(count);
  expect(lintBundle(dir).messages).toEqual([]);
}
