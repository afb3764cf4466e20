/**
 * `npm run design`: the parts table's schema, the selection rules on hand-made candidates, and the
 * whole chain (store -> networks -> priced candidates -> choice) on a small synthetic store.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { priceVsSynthesis } from "../src/design/build.js";
import { candidatesFor, storedNetworks } from "../src/design/candidates.js";
import { loadPartsTable, parsePartsTable, type Part } from "../src/design/parts.js";
import { PriceCache, type Footprint } from "../src/design/price.js";
import { choose, fits, frontRows, paretoFront, utilization, type Candidate } from "../src/design/select.js";
import { tInterval } from "../src/report/intervals.js";
import { parseSweepConfig } from "../src/sweep/config.js";
import { expandPoints } from "../src/sweep/points.js";
import { runPoint } from "../src/sweep/run.js";
import type { PointRecord } from "../src/sweep/store.js";
import * as fake from "./sweep-fake-trainer.js";

const shipped = loadPartsTable();
const part = (p: Partial<Part> = {}): Part => ({ ...shipped.parts.find((x) => x.name === "up5k")!, ...p });

describe("parts table", () => {
  it("ships the four parts with their data-sheet counts", () => {
    expect(shipped.parts.map((p) => p.name)).toEqual(["up5k", "hx8k", "xc7a35t", "xc7z020"]);
    const by = Object.fromEntries(shipped.parts.map((p) => [p.name, p]));
    expect([by.up5k!.lut, by.up5k!.bram.count, by.up5k!.dsp]).toEqual([5280, 30, 8]);
    expect([by.hx8k!.lut, by.hx8k!.bram.count, by.hx8k!.dsp]).toEqual([7680, 32, 0]);
    expect([by.xc7a35t!.lut, by.xc7a35t!.ff, by.xc7a35t!.bram.count, by.xc7a35t!.dsp]).toEqual([20800, 41600, 50, 90]);
    expect([by.xc7z020!.lut, by.xc7z020!.ff, by.xc7z020!.bram.count, by.xc7z020!.dsp]).toEqual([53200, 106400, 140, 220]);
    for (const p of shipped.parts) expect(p.source.length).toBeGreaterThan(20);
  });

  const raw = JSON.parse(readFileSync("src/design/fpga-parts.json", "utf8")) as { parts: Record<string, unknown>[] };
  const withPart = (change: Record<string, unknown>, drop?: string) => {
    const p: Record<string, unknown> = { ...raw.parts[0]!, ...change };
    if (drop) delete p[drop];
    return { ...raw, parts: [p] };
  };
  const bad: [string, unknown, RegExp][] = [
    ["a part without its source", withPart({}, "source"), /parts\[0\]\.source/],
    ["a negative LUT count", withPart({ lut: -1 }), /parts\[0\]\.lut/],
    ["Xilinx block RAM on an iCE40 part", withPart({ bram: { kind: "xilinx-ramb36", count: 30 } }), /parts\[0\]\.bram\.kind: a ice40 part has ice40-ebr-4kbit/],
    ["an iCE40 part without nextpnr settings", withPart({}, "nextpnr"), /parts\[0\]\.nextpnr/],
    ["an unknown field", withPart({ luts: 5 }), /Unrecognized key/],
    ["a repeated name", { ...raw, parts: [raw.parts[0], raw.parts[0]] }, /parts\[1\]\.name: part up5k appears twice/],
    ["another format", { ...raw, format: "x" }, /format/],
  ];
  for (const [what, value, message] of bad) it(`rejects ${what} in one line naming the field`, () => expect(() => parsePartsTable(value, "t.json")).toThrow(message));
});

const fp = (lut4: number, ebr: number, interval: number, ff = 100): Footprint => ({ ice40: { lut4, ff, ebr }, xilinx: { lut: lut4, ff, ramb36: ebr }, dsp: 0, io: 20, interval, latency: interval });
const cand = (network: string, acc: number[], footprint: Footprint, folding = "lanes=1"): Candidate => ({
  sweep: "s", dataset: "fashion-mnist", network, levels: 3, precision: "ternary", accuracy: tInterval(acc), points: acc.map((_, i) => ({ seed: i + 1, pointId: `${network}-${i}` })),
  hwArch: "mac-array", params: {}, folding, footprint,
});

describe("selection", () => {
  // A part with 1,000 LUT4 (900 allowed at the default 90%), 10 EBR.
  const small = part({ lut: 1000, ff: 1000, bram: { kind: "ice40-ebr-4kbit", count: 10 } });
  const a = cand("a", [0.8, 0.82, 0.81], fp(500, 4, 1000));
  const b = cand("b", [0.85, 0.86, 0.87], fp(850, 8, 4000));
  const c = cand("c", [0.9, 0.9, 0.9], fp(950, 6, 500)); // most accurate, but 950 > 900 LUT4
  const d = cand("d", [0.85, 0.86, 0.87], fp(800, 9, 2000)); // as accurate as b, smaller (9/10 EBR vs 850/900), faster
  const e = cand("e", [0.79], fp(600, 4, 1000)); // dominated by a

  it("the most accurate candidate that fits; ties go to the smaller design", () => {
    expect(fits(c.footprint!, small)).toBe(false);
    const r = choose([a, b, c, d, e], small);
    expect(r.fitting).toBe(4);
    expect(r.best!.network).toBe("d");
    expect(r.front.map((x) => x.network)).toEqual(["a", "d"]);
  });

  it("the front keeps a faster folding of an equally accurate, equally large design", () => {
    const slow = cand("f", [0.8, 0.82, 0.81], fp(500, 4, 1000), "lanes=1");
    const fast = cand("f", [0.8, 0.82, 0.81], fp(500, 4, 250), "lanes=4");
    expect(paretoFront([slow, fast], small).map((x) => x.folding)).toEqual(["lanes=4"]);
  });

  it("a long front prints its most accurate rows, the choice always among them, in utilization order", () => {
    const big = part({ lut: 100000, ff: 100000, bram: { kind: "ice40-ebr-4kbit", count: 100 } });
    // Each one larger, less accurate and faster than the one before: all five are on the front.
    const f = [0.7, 0.74, 0.78, 0.82, 0.86].map((acc, i) => cand(`n${i}`, [acc], fp(1000 * (5 - i), 10 * (5 - i), 100 * (i + 1))));
    const front = paretoFront(f, big);
    expect(front.map((x) => x.network)).toEqual(["n4", "n3", "n2", "n1", "n0"]);
    expect(frontRows(front, f[4]!, 2, big).map((x) => x.network)).toEqual(["n4", "n3"]);
    // A throughput floor can make a less accurate design the choice: it replaces the last kept row.
    expect(frontRows(front, f[1]!, 2, big).map((x) => x.network)).toEqual(["n4", "n1"]);
    expect(frontRows(front, f[4]!, 9, big)).toHaveLength(5);
  });

  it("--build sets the cost model's price beside what synthesis used", () => {
    const fit = { fits: true, problems: [], used: [
      { resource: "LUT4", used: 400, available: 1000 },
      { resource: "flip-flops", used: 125, available: 1000 },
      { resource: "EBR", used: 4, available: 10 },
      { resource: "DSP", used: 0, available: 8 },
      { resource: "logic cells (placed)", used: 600, available: 1000 },
    ] };
    expect(priceVsSynthesis(a, fit, small)).toEqual(["LUT4 500 priced, 400 synthesised (+25%)", "flip-flops 100 priced, 125 synthesised (−20%)", "EBR 4 priced, 4 synthesised (exact)"]);
  });

  it("a throughput floor: the most accurate fast enough one, or one line saying how far short", () => {
    // At 10 MHz: a 10,000/s, b 2,500/s, d 5,000/s.
    expect(choose([a, b, d], small, { throughput: { minFps: 6000, clockMHz: 10 } }).best!.network).toBe("a");
    const none = choose([a, b, d], small, { throughput: { minFps: 20000, clockMHz: 10 } });
    expect(none.best).toBeNull();
    expect(none.reason).toBe("nothing that fits Lattice iCE40UP5K (SG48) reaches 20,000 inferences/s at 10 MHz: the fastest, a ternary on mac-array (lanes=1), reaches 10,000/s (2.00x short)");
  });

  it("a part nothing fits: one line naming the closest candidate and by how much it misses", () => {
    const tiny = part({ lut: 400, ff: 400, bram: { kind: "ice40-ebr-4kbit", count: 10 } });
    const r = choose([a, b, c], tiny);
    expect(r.best).toBeNull();
    // 360 LUT4 allowed; a needs 500 (39% over), the least of the three.
    expect(r.reason).toBe("nothing fits Lattice iCE40UP5K (SG48): the closest candidate, a ternary on mac-array (lanes=1), needs 500 LUT4 where 360 are allowed (39% over)");
  });
});

describe("design on a small synthetic store", () => {
  it("prices every network x folding with the cost model and picks the known most accurate one that fits", async () => {
    const config = parseSweepConfig({ name: "syn", dataset: "mnist", seeds: [1, 2], grid: { kind: "ffdnn", widths: [16, 32], depths: [1] }, float: { epochs: 1 }, levels: [7, 3], retrain: { epochs: 1 } });
    const dir = mkdtempSync(join(tmpdir(), "tf-design-"));
    const records: PointRecord[] = [];
    for (const p of expandPoints(config)) records.push(await runPoint(fake, p, { sweep: "syn", modelRoot: join(dir, "models") }));
    const nets = storedNetworks(records, [config], "mnist");
    // 2 widths x 2 precisions, retrained, 2 seeds each; the stand-in trainer's accuracy grows with size and levels.
    expect(nets.map((n) => `${n.network} ${n.levels}`).sort()).toEqual(["ffdnn 16x1 3", "ffdnn 16x1 7", "ffdnn 32x1 3", "ffdnn 32x1 7"]);
    expect(nets.every((n) => n.accuracy.n === 2)).toBe(true);
    expect(storedNetworks(records, [config], "fashion-mnist")).toEqual([]);
    const top = [...nets].sort((x, y) => y.accuracy.mean - x.accuracy.mean)[0]!;
    expect(top.network).toBe("ffdnn 32x1");
    expect(top.levels).toBe(7);

    const cache = new PriceCache(null);
    const big = part({ lut: 100000, ff: 100000, bram: { kind: "ice40-ebr-4kbit", count: 1000 } });
    const all = candidatesFor(nets, big, cache, { archs: ["mac-array"] });
    expect(all).toHaveLength(4 * 7);
    expect(all.every((c) => c.footprint !== null)).toBe(true);
    const best = choose(all, big).best!;
    expect([best.network, best.levels]).toEqual(["ffdnn 32x1", 7]);
    // Ties between its foldings go to the smallest design.
    const own = all.filter((c) => c.network === "ffdnn 32x1" && c.levels === 7).map((c) => utilization(c.footprint!, big));
    expect(utilization(best.footprint!, big)).toBe(Math.min(...own));

    // A part with one EBR fewer than the best network needs at its smallest: the runner-up wins.
    const need = Math.min(...all.filter((c) => c.network === "ffdnn 32x1" && c.levels === 7).map((c) => c.footprint!.ice40!.ebr));
    const tight = part({ lut: 100000, ff: 100000, bram: { kind: "ice40-ebr-4kbit", count: need - 1 } });
    const second = [...nets].filter((n) => !(n.network === "ffdnn 32x1" && n.levels === 7)).sort((x, y) => y.accuracy.mean - x.accuracy.mean)[0]!;
    const r = choose(candidatesFor(nets, tight, cache, { archs: ["mac-array"] }), tight).best!;
    expect([r.network, r.levels]).toEqual([second.network, second.levels]);
    expect(r.footprint!.ice40!.ebr).toBeLessThan(need);
  });
});
