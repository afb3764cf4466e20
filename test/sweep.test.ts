import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSweepConfig, parseSweepConfig } from "../src/sweep/config.js";
import { canonicalJson, expandPoints, groupByFloat, pointId } from "../src/sweep/points.js";
import { runPoint } from "../src/sweep/run.js";
import { appendRecord, mergeRecords, mergeStores, readStore, type PointRecord } from "../src/sweep/store.js";
import * as fake from "./sweep-fake-trainer.js";

const base = {
  name: "t",
  dataset: "fashion-mnist",
  seeds: [1],
  grid: { kind: "ffdnn", widths: [16, 32], depths: [1, 2] },
  float: { epochs: 1 },
  levels: [15, 7, 3],
  retrain: { epochs: 1 },
};
const tmp = () => mkdtempSync(join(tmpdir(), "tf-sweep-"));

describe("sweep config", () => {
  it("accepts the shipped configs and expands the full grids", () => {
    const ff = loadSweepConfig("sweeps/ffdnn-fashion.json");
    expect(ff.grid).toMatchObject({ kind: "ffdnn", widths: [32, 64, 128, 256, 512, 1024], depths: [2, 3, 4] });
    // 18 architectures x (float + 3 precisions)
    expect(expandPoints(ff)).toHaveLength(18 * 4);
    const cnn = loadSweepConfig("sweeps/cnn-fashion.json");
    expect(cnn.grid.kind).toBe("cnn");
    expect(expandPoints(cnn).length).toBeGreaterThanOrEqual(5 * 4);
    expect(expandPoints(loadSweepConfig("sweeps/ci-tiny.json")).length).toBeLessThanOrEqual(8);
  });

  const bad: [string, unknown, RegExp][] = [
    ["unknown top-level key", { ...base, epochs: 3 }, /\(root\): Unrecognized key.*epochs/],
    ["unknown nested key", { ...base, float: { epochs: 1, lr: 0.1 } }, /float: Unrecognized key.*lr/],
    ["empty widths", { ...base, grid: { kind: "ffdnn", widths: [], depths: [2] } }, /grid\.widths: empty grid/],
    ["empty depths", { ...base, grid: { kind: "ffdnn", widths: [8], depths: [] } }, /grid\.depths: empty grid/],
    ["empty precisions", { ...base, levels: [] }, /levels: empty grid/],
    ["empty seeds", { ...base, seeds: [] }, /seeds: empty grid/],
    ["zero width", { ...base, grid: { kind: "ffdnn", widths: [32, 0], depths: [2] } }, /grid\.widths\[1\]: a layer needs at least 1 unit/],
    ["even levels", { ...base, levels: [3, 4] }, /levels\[1\]: levels must be odd/],
    ["too many images", { ...base, trainLimit: 70000 }, /trainLimit: fashion-mnist has only 60000 training images/],
    ["batch larger than the data", { ...base, trainLimit: 500, float: { epochs: 1, batchSize: 1000 } }, /float\.batchSize: batch of 1000 is larger than the 500/],
    ["conv stack too deep for 28x28", { ...base, grid: { kind: "cnn", conv: [[4, 8], [4, 4, 4, 4, 4, 4]] } }, /grid\.conv\[1\]: 6 conv\+pool stages shrink a 28x28 image below one pixel/],
    ["empty conv layer list", { ...base, grid: { kind: "cnn", conv: [[]] } }, /grid\.conv\[0\]: a CNN needs at least one conv layer/],
    ["unknown dataset", { ...base, dataset: "cifar" }, /dataset: /],
    ["unknown grid kind", { ...base, grid: { kind: "rnn" } }, /grid\.kind: /],
  ];
  for (const [what, value, message] of bad)
    it(`rejects ${what} with the path of the field`, () => {
      expect(() => parseSweepConfig(value, "x.json")).toThrow(message);
    });

  it("reports unreadable and non-JSON files in one line", () => {
    const d = tmp();
    writeFileSync(join(d, "bad.json"), "{ nope");
    expect(() => loadSweepConfig(join(d, "bad.json"))).toThrow(/is not valid JSON/);
    expect(() => loadSweepConfig(join(d, "missing.json"))).toThrow(/cannot read sweep config .*ENOENT/);
  });
});

describe("point ids", () => {
  it("are deterministic, order-insensitive in keys and differ between points", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    const c = parseSweepConfig(base);
    const a = expandPoints(c);
    const b = expandPoints(parseSweepConfig(JSON.parse(JSON.stringify(base))));
    expect(a.map((p) => p.id)).toEqual(b.map((p) => p.id));
    expect(new Set(a.map((p) => p.id)).size).toBe(a.length);
    expect(a[0]!.id).toBe(pointId(a[0]!.spec));
    // Adding a width keeps the ids of the existing points: finished work stays finished.
    const wider = expandPoints(parseSweepConfig({ ...base, grid: { kind: "ffdnn", widths: [16, 32, 64], depths: [1, 2] } }));
    for (const p of a) expect(wider.map((q) => q.id)).toContain(p.id);
    // Groups: one float point then its precisions.
    const groups = groupByFloat(a);
    expect(groups).toHaveLength(4);
    for (const g of groups) expect(g.map((p) => p.spec.kind)).toEqual(["float", "quant", "quant", "quant"]);
  });
});

async function records(n: number): Promise<PointRecord[]> {
  const d = tmp();
  const points = expandPoints(parseSweepConfig(base)).slice(0, n);
  const out: PointRecord[] = [];
  for (const p of points) out.push(await runPoint(fake, p, { sweep: "t", modelRoot: join(d, "models") }));
  return out;
}

describe("keepDirect (retraining may fall back to the direct weights)", () => {
  it("is a spec field: quantized points get new ids, float points keep theirs, and records say which weights were kept", async () => {
    const plain = expandPoints(parseSweepConfig(base));
    const keep = expandPoints(parseSweepConfig({ ...base, retrain: { epochs: 1, keepDirect: true } }));
    for (const [a, b] of plain.map((p, i) => [p, keep[i]!] as const)) {
      if (a.spec.kind === "float") expect(b.id).toBe(a.id);
      else expect(b.id).not.toBe(a.id);
    }
    expect(keep.filter((p) => p.spec.kind === "quant").every((p) => p.spec.kind === "quant" && p.spec.keepDirect === true)).toBe(true);
    const d = tmp();
    const recs: PointRecord[] = [];
    for (const p of keep.slice(0, 4)) recs.push(await runPoint(fake, p, { sweep: "t", modelRoot: join(d, "models") }));
    const [m15, m7] = recs.filter((r) => r.kind === "quant").map((r) => (r.kind === "quant" ? r.result : null));
    expect(m15!.selection!.chosen).toBe("direct");
    expect(m15!.retrained!.accuracy).toBe(m15!.direct.accuracy);
    expect(m7!.selection!.chosen).toBe("retrained");
    expect(m7!.selection!.rejectedTestAccuracy).toBe(m7!.direct.accuracy);
    const f = join(d, "s.jsonl");
    for (const r of recs) await appendRecord(f, r);
    expect(readStore(f).records).toEqual(recs);
    // Plain records carry no selection.
    const [, q] = await records(2);
    expect(q!.kind === "quant" && q!.result.selection).toBeUndefined();
  });
});

describe("result store", () => {
  it("stores complete lines, ignores a torn last line and cuts it off on the next append", async () => {
    const [r1, r2, r3] = await records(3);
    const f = join(tmp(), "s.jsonl");
    await appendRecord(f, r1!);
    await appendRecord(f, r2!);
    expect(readStore(f).records.map((r) => r.id)).toEqual([r1!.id, r2!.id]);
    // A crash in the middle of writing r3.
    const line = JSON.stringify(r3);
    appendFileSync(f, line.slice(0, line.length / 2));
    const torn = readStore(f);
    expect(torn.tornTail).toBe(true);
    expect(torn.records.map((r) => r.id)).toEqual([r1!.id, r2!.id]);
    // Even a complete record without its newline is not trusted.
    appendFileSync(f, line.slice(line.length / 2));
    expect(readStore(f).records).toHaveLength(2);
    await appendRecord(f, r3!);
    const after = readStore(f);
    expect(after.tornTail).toBe(false);
    expect(after.badLines).toEqual([]);
    expect(after.records.map((r) => r.id)).toEqual([r1!.id, r2!.id, r3!.id]);
    expect(readFileSync(f, "utf8").split("\n")).toHaveLength(4);
  });

  it("records the measured numbers of each point", async () => {
    const [f, q15] = await records(2);
    expect(f!.kind).toBe("float");
    if (f!.kind !== "float" || q15!.kind !== "quant") throw new Error("unexpected kinds");
    // 784-16-10: 12,704 weights, 26 biases.
    expect(f!.result).toMatchObject({ parameters: 12730, weightCount: 12704, weightMemoryBits: 32 * 12704 });
    expect(q15!.result).toMatchObject({ levels: 15, bitsPerWeight: 4, weightCount: 12704, direct: { weightMemoryBits: 4 * 12704 } });
    expect(q15!.result.idealBitsPerWeight).toBeCloseTo(Math.log2(15), 12);
    expect(q15!.result.floatAccuracy).toBe(f!.result.testAccuracy);
    expect(q15!.result.retrained!.accuracy).toBeGreaterThan(q15!.result.direct.accuracy);
  });

  it("merges stores with nothing lost or duplicated, and flags conflicting results", async () => {
    const rs = await records(5);
    const d = tmp();
    const a = join(d, "a.jsonl");
    const b = join(d, "b.jsonl");
    const into = join(d, "all.jsonl");
    for (const r of rs.slice(0, 3)) await appendRecord(a, r);
    // b repeats point 2 (rerun elsewhere: other time and host, same content) and adds 3 and 4.
    for (const r of [{ ...rs[2]!, seconds: 99, host: "elsewhere", finishedAt: "2030-01-01T00:00:00Z" }, rs[3]!, rs[4]!]) await appendRecord(b, r);
    appendFileSync(b, '{"v":1,"id":"torn'); // b's writer crashed
    const m = mergeStores([a, b], into);
    expect(m.read).toBe(6);
    expect(m.duplicates).toBe(1);
    expect(m.conflicts).toEqual([]);
    expect(m.tornInputs).toEqual([b]);
    expect(readStore(into).records.map((r) => r.id)).toEqual(rs.map((r) => r.id));
    // Merging again changes nothing.
    const again = mergeStores([a, b], into);
    expect(again.records).toHaveLength(5);
    expect(again.duplicates).toBe(6);
    // Same point, different accuracy: kept once, reported.
    const changed = { ...rs[0]!, result: { ...(rs[0]!.result as object), testAccuracy: 0.1 } } as PointRecord;
    const c = mergeRecords([rs, [changed]]);
    expect(c.records).toHaveLength(5);
    expect(c.conflicts).toEqual([rs[0]!.id]);
  });
});
