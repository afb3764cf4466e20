/** IDX parsing and the two data sets, on the real installed files. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_ROOT_ENV, DATASET_NAMES, datasetRoot, loadDataset, type Dataset } from "../src/data/datasets.js";
import { encodeIdx, parseIdx, readIdxFile } from "../src/data/idx.js";
import { TritforgeError } from "../src/util/errors.js";

describe("parseIdx", () => {
  it("parses 1-D and 3-D unsigned-byte files", () => {
    const labels = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 9]);
    expect(parseIdx(labels)).toEqual({ dims: [3], data: Uint8Array.from([7, 2, 9]) });
    const images = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 10, 20, 30, 40]);
    const r = parseIdx(images);
    expect(r.dims).toEqual([2, 1, 2]);
    expect(Array.from(r.data)).toEqual([10, 20, 30, 40]);
    expect(parseIdx(encodeIdx([2, 1, 2], r.data))).toEqual(r);
  });
  it("rejects malformed buffers with one-line errors", () => {
    const bad: [number[], RegExp][] = [
      [[0, 0], /too short/],
      [[1, 0, 8, 1, 0, 0, 0, 0], /not an IDX file/],
      [[0, 0, 0x0d, 1, 0, 0, 0, 0], /element type 0x0d is not supported/],
      [[0, 0, 8, 0], /0 dimensions/],
      [[0, 0, 8, 3, 0, 0, 0, 1], /truncated IDX header/],
      [[0, 0, 8, 1, 0, 0, 0, 3, 1, 2], /need 3 bytes of data, found 2 \(truncated\)/],
      [[0, 0, 8, 1, 0, 0, 0, 1, 1, 2], /trailing bytes/],
    ];
    for (const [bytes, re] of bad) {
      expect(() => parseIdx(Uint8Array.from(bytes))).toThrow(TritforgeError);
      expect(() => parseIdx(Uint8Array.from(bytes))).toThrow(re);
    }
  });
});

describe("readIdxFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "tritforge-idx-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const payload = encodeIdx([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6]));
  it("reads plain and gzipped files alike (gzip detected by content, not name)", () => {
    writeFileSync(join(dir, "plain"), payload);
    writeFileSync(join(dir, "zipped-without-suffix"), gzipSync(payload));
    for (const f of ["plain", "zipped-without-suffix"]) expect(readIdxFile(join(dir, f))).toEqual({ dims: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
  });
  it("names the file in its errors", () => {
    expect(() => readIdxFile(join(dir, "missing"))).toThrow(/cannot read .*missing: ENOENT/);
    writeFileSync(join(dir, "corrupt.gz"), gzipSync(payload).subarray(0, 12));
    expect(() => readIdxFile(join(dir, "corrupt.gz"))).toThrow(/corrupt\.gz: corrupt gzip data/);
  });
});

// First ten training labels, from the data sets' documentation and their raw files.
const FIRST_TRAIN_LABELS = { mnist: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], "fashion-mnist": [9, 0, 0, 3, 0, 2, 7, 2, 5, 5] };
const FIRST_TEST_LABELS = { mnist: [7, 2, 1, 0, 4], "fashion-mnist": [9, 2, 1, 1, 6] };

for (const name of DATASET_NAMES) {
  describe(`loadDataset("${name}") on the installed files`, () => {
    let ds: Dataset;
    beforeAll(() => {
      ds = loadDataset(name);
    });
    it("has the official 60,000 / 10,000 split of 28x28 images and 10 classes", () => {
      expect(ds.name).toBe(name);
      expect(ds.shape).toEqual([28, 28, 1]);
      expect(ds.classes).toBe(10);
      expect([ds.train.count, ds.test.count]).toEqual([60_000, 10_000]);
      expect(ds.train.images.length).toBe(60_000 * 784);
      expect(ds.test.images.length).toBe(10_000 * 784);
      expect([ds.train.labels.length, ds.test.labels.length]).toEqual([60_000, 10_000]);
    });
    it("has the known first labels, every class present and labels in 0..9", () => {
      expect(Array.from(ds.train.labels.subarray(0, 10))).toEqual(FIRST_TRAIN_LABELS[name]);
      expect(Array.from(ds.test.labels.subarray(0, 5))).toEqual(FIRST_TEST_LABELS[name]);
      const counts = new Array<number>(10).fill(0);
      for (const l of ds.train.labels) counts[l]!++;
      expect(counts.every((c) => c > 5000)).toBe(true); // each class ~10% (exactly 6,000 in Fashion-MNIST)
      if (name === "fashion-mnist") expect(counts).toEqual(new Array(10).fill(6000));
    });
    it("pixels are bytes of real images at the right offsets (checked against the raw file)", () => {
      const file = join(datasetRoot(name), name === "mnist" ? "train-images-idx3-ubyte" : "train-images-idx3-ubyte.gz");
      const raw = name === "mnist" ? readFileSync(file) : gunzipSync(readFileSync(file));
      for (const i of [0, 1, 12_345, 59_999]) expect(Buffer.from(ds.train.images.subarray(i * 784, (i + 1) * 784)).equals(raw.subarray(16 + i * 784, 16 + (i + 1) * 784))).toBe(true);
      // MNIST digits are centred: the image border is blank; both sets use the full 0..255 range
      let max = 0;
      for (let i = 0; i < 784; i++) max = Math.max(max, ds.train.images[i]!);
      expect(max).toBe(255);
      if (name === "mnist") for (let i = 0; i < 28; i++) expect(ds.train.images[i]).toBe(0);
    });
  });
}

describe("loadDataset errors", () => {
  const saved = process.env[DATA_ROOT_ENV];
  const empty = mkdtempSync(join(tmpdir(), "tritforge-nodata-"));
  beforeAll(() => {
    process.env[DATA_ROOT_ENV] = empty;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env[DATA_ROOT_ENV];
    else process.env[DATA_ROOT_ENV] = saved;
    rmSync(empty, { recursive: true, force: true });
  });
  it("a missing data set says how to install it, on one line", () => {
    expect(datasetRoot("fashion-mnist")).toBe(join(empty, "fashion-mnist"));
    expect(() => loadDataset("fashion-mnist")).toThrow(/data set fashion-mnist not found: .*train-images-idx3-ubyte\[\.gz\] is missing; install it with `apt-get install dataset-fashion-mnist`/);
    expect(() => loadDataset("mnist")).toThrow(/data set mnist not found: .*; install it with `npm ci`/);
    try {
      loadDataset("mnist");
    } catch (err) {
      expect(err).toBeInstanceOf(TritforgeError);
      expect((err as Error).message).not.toContain("\n");
    }
  });
  it("an unknown name lists the known ones", () => {
    expect(() => loadDataset("cifar10")).toThrow(/unknown data set "cifar10"; known data sets: fashion-mnist, mnist/);
  });
  it("an explicit root with small files loads them, and inconsistent files are rejected", () => {
    const dir = join(empty, "tiny");
    const images = (n: number) => gzipSync(encodeIdx([n, 28, 28], new Uint8Array(n * 784).fill(7)));
    const write = (f: string, d: Uint8Array) => writeFileSync(join(dir, f), d);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    write("train-images-idx3-ubyte.gz", images(3));
    write("train-labels-idx1-ubyte", encodeIdx([3], Uint8Array.from([1, 2, 3])));
    write("t10k-images-idx3-ubyte", encodeIdx([2, 28, 28], new Uint8Array(2 * 784)));
    write("t10k-labels-idx1-ubyte.gz", gzipSync(encodeIdx([2], Uint8Array.from([0, 9]))));
    const ds = loadDataset("mnist", { root: dir });
    expect([ds.train.count, ds.test.count, ds.train.images[100], Array.from(ds.test.labels)]).toEqual([3, 2, 7, [0, 9]]);
    write("t10k-labels-idx1-ubyte.gz", gzipSync(encodeIdx([2], Uint8Array.from([0, 10]))));
    expect(() => loadDataset("mnist", { root: dir })).toThrow(/label 1 is 10, outside 0\.\.9/);
    write("t10k-labels-idx1-ubyte.gz", gzipSync(encodeIdx([3], Uint8Array.from([0, 1, 2]))));
    expect(() => loadDataset("mnist", { root: dir })).toThrow(/expected 2 labels to match the images/);
    write("t10k-images-idx3-ubyte", encodeIdx([2, 27, 28], new Uint8Array(2 * 27 * 28)));
    expect(() => loadDataset("mnist", { root: dir })).toThrow(/expected images of 28x28/);
  });
});
