/**
 * The AXI4-Stream protocol checker (tb/<top>_protocol_tb.v, every bundle) on both simulators: a
 * compliant master with random gaps, random back-pressure, a dropped beat, an extra beat and a
 * reset in mid-image. No output rule may break, tready must be low in reset and the cycle after,
 * the misframed images must be dropped and flagged (tuser flag on the next packet, sticky
 * framing_error until reset), and every other image must come out bit-exact.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateBundle } from "../src/hw/registry.js";
import { randomChainNetwork, randomDenseNetwork } from "../src/ir/random.js";
import type { Network } from "../src/ir/schema.js";
import { protocolCheck, type ProtocolScenario } from "../src/sim/protocol.js";
import { SIMULATORS } from "../src/sim/simulator.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-protocol-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const scenario: ProtocolScenario = {
  images: 8,
  stall: 30,
  seed: 7,
  drop: { image: 1, beat: 3 },
  extra: { image: 3 },
  reset: { image: 5, beat: 4, cycles: 5 },
};

const designs: Array<{ name: string; net: () => Network; lanes: number }> = [
  { name: "dense", net: () => randomDenseNetwork({ name: "proto_dense", seed: 3, sizes: [23, 13, 7, 5], levels: [3, 7, 3], inputBits: 6 }), lanes: 4 },
  {
    name: "conv",
    net: () => randomChainNetwork({ name: "proto_conv", seed: 4, input: [6, 6, 1], layers: [{ kind: "conv2d", out: 3, kernel: 3, padding: 1 }, { kind: "maxpool", size: 2, stride: 2 }, { kind: "flatten" }, { kind: "dense", out: 4 }], levels: 3, inputBits: 8, signalBits: 8 }),
    lanes: 2,
  },
];

describe.each(designs)("protocol checker: $name design", ({ name, net: makeNet, lanes }) => {
  const net = makeNet();
  const dir = join(work, name);
  it.each(SIMULATORS)("%s: misframed images dropped and flagged, reset clean, every other image bit-exact", async (simulator) => {
    await generateBundle(net, dir, "mac-array", { lanes });
    const r = await protocolCheck(net, dir, scenario, simulator, join(work, `${name}-${simulator}`));
    // Image 1 lost a beat, image 3 had one too many, image 5 was cut by the reset: no packets.
    expect(r.packets.map((p) => p.image)).toEqual([0, 2, 4, 6, 7]);
    expect(r.lost).toEqual([]);
    expect(r.mismatches).toEqual([]);
    // The packet after each misframed image carries the flag; the reset clears flag and status.
    expect(r.packets.map((p) => p.dropped)).toEqual([false, true, true, false, false]);
    expect(r.packets.map((p) => p.framingError)).toEqual([false, true, true, false, false]);
    expect(r.statusBeforeReset).toBe(true);
    expect(r.statusEnd).toBe(false);
  });
});

// The dataflow architecture overlaps images: a reset loses the images still in the pipeline (the
// checker reports them LOST), the status is live (a packet leaving after a drop sees it), and the
// dropped-image flag travels with the first complete image after a drop to its own packet.
const dataflowScenario: ProtocolScenario = { ...scenario, images: 10, reset: { image: 8, beat: 4, cycles: 5 } };

const dataflowDesigns: Array<{ name: string; net: () => Network; fold: { inputPerBeat: number; layers: Array<{ pe: number; simd: number }> } }> = [
  { name: "dataflow dense", net: designs[0]!.net, fold: { inputPerBeat: 1, layers: [{ pe: 13, simd: 1 }, { pe: 1, simd: 13 }, { pe: 5, simd: 7 }] } },
  { name: "dataflow conv", net: designs[1]!.net, fold: { inputPerBeat: 1, layers: [{ pe: 3, simd: 9 }, { pe: 2, simd: 9 }] } },
];

describe.each(dataflowDesigns)("protocol checker: $name design", ({ name, net: makeNet, fold }) => {
  const net = makeNet();
  const dir = join(work, name.replace(" ", "-"));
  it.each(SIMULATORS)("%s: misframed images dropped and flagged on the next image, reset clean, every other image bit-exact", async (simulator) => {
    await generateBundle(net, dir, "dataflow", { fold });
    const r = await protocolCheck(net, dir, dataflowScenario, simulator, join(work, `${name.replace(" ", "-")}-${simulator}`));
    // Images 1 and 3 are misframed, image 8 is cut by the reset: every other image is answered or
    // was still in the pipeline at the reset (then only images sent before it).
    const images = r.packets.map((p) => p.image);
    expect([...images, ...r.lost].sort((a, b) => a - b)).toEqual([0, 2, 4, 5, 6, 7, 9]);
    expect(r.lost.every((i) => i < 8)).toBe(true);
    expect(images).toContain(9);
    expect(r.mismatches).toEqual([]);
    for (const p of r.packets) {
      expect(p.dropped, `image ${p.image} dropped flag`).toBe(p.image === 2 || p.image === 4);
      if (p.image >= 2) expect(p.framingError, `image ${p.image} status`).toBe(p.image < 8);
    }
    expect(r.statusBeforeReset).toBe(true);
    expect(r.statusEnd).toBe(false);
  });
});
