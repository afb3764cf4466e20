/**
 * A user's data set as a folder of IDX or .npy files: any image shape and class count, and bad
 * files refused with one line naming the file and the problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { datasetSpec, loadDataset } from "../src/data/datasets.js";
import { encodeIdx } from "../src/data/idx.js";
import { encodeNpy, parseNpy } from "../src/data/npy.js";
import { syntheticImages, writeSynthetic } from "./synthetic-data.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-data-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const synth = syntheticImages(7, [12, 12, 3], 5, 120, 40);

describe("data set folders", () => {
  for (const format of ["idx", "npy"] as const) {
    it(`${format}: 12x12x3 images and 5 classes come from the files`, () => {
      const dir = writeSynthetic(join(work, format), synth, format);
      expect(datasetSpec(dir)).toBe(dir);
      const d = loadDataset(dir);
      expect(d).toMatchObject({ name: dir, shape: [12, 12, 3], classes: 5 });
      expect(d.train.count).toBe(120);
      expect(d.test.count).toBe(40);
      expect(Buffer.from(d.train.images).equals(Buffer.from(synth.train.images))).toBe(true);
      expect(Array.from(d.test.labels)).toEqual(Array.from(synth.test.labels));
    });
  }

  it("npy: every integer element type round-trips; uint8 data is a view", () => {
    const a = parseNpy(encodeNpy([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 255])), "a.npy");
    expect(a).toMatchObject({ dims: [2, 3], descr: "|u1" });
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 255]);
    const b = parseNpy(encodeNpy([3], BigInt64Array.from([0n, -2n, 9n])), "b.npy");
    expect(Array.from(b.data)).toEqual([0, -2, 9]);
  });

  it("an unknown name that is no folder: one line listing what is accepted", () => {
    expect(() => datasetSpec(join(work, "nothing"))).toThrow(/^unknown data set ".*nothing": neither a known data set \(fashion-mnist, mnist\) nor a folder of IDX or \.npy files$/);
  });

  const bad: Array<{ name: string; format: "idx" | "npy"; file: string; content: () => Uint8Array; message: RegExp }> = [
    { name: "wrong IDX magic", format: "idx", file: "train-images.idx", content: () => Uint8Array.from([1, 2, 8, 3, 0, 0, 0, 0]), message: /train-images\.idx: not an IDX file \(magic 01 02 08 03\)$/ },
    { name: "wrong npy magic", format: "npy", file: "test-images.npy", content: () => new TextEncoder().encode("PK\u0003\u0004 not numpy"), message: /test-images\.npy: not a \.npy file \(bad magic\)$/ },
    {
      name: "truncated IDX images",
      format: "idx",
      file: "train-images.idx",
      content: () => encodeIdx([120, 12, 12, 3], synth.train.images).subarray(0, 4000),
      message: /train-images\.idx: IDX dimensions \[120, 12, 12, 3\] need 51840 bytes of data, found 3980 \(truncated\)$/,
    },
    {
      name: "truncated npy images",
      format: "npy",
      file: "train-images.npy",
      content: () => encodeNpy([120, 12, 12, 3], synth.train.images).subarray(0, 1000),
      message: /train-images\.npy: shape \(120, 12, 12, 3\) of '\|u1' needs 51840 bytes of data, found 872 \(truncated\)$/,
    },
    {
      name: "labels do not match the images",
      format: "idx",
      file: "train-labels.idx",
      content: () => encodeIdx([119], synth.train.labels.subarray(0, 119)),
      message: /train-labels\.idx: 119 labels do not match the 120 images of .*train-images\.idx$/,
    },
    {
      name: "test images of another shape",
      format: "npy",
      file: "test-images.npy",
      content: () => encodeNpy([40, 12, 12, 1], synth.test.images.subarray(0, 40 * 144)),
      message: /test-images\.npy: images of 12x12x1 do not match the training images \(12x12x3\)$/,
    },
    {
      name: "test label out of range",
      format: "npy",
      file: "test-labels.npy",
      content: () => encodeNpy([40], BigInt64Array.from(synth.test.labels, (v, i) => BigInt(i === 7 ? 9 : v))),
      message: /test-labels\.npy: label 7 is 9, outside 0\.\.4 \(the classes of the training labels\)$/,
    },
    {
      name: "negative label",
      format: "npy",
      file: "train-labels.npy",
      content: () => encodeNpy([120], BigInt64Array.from(synth.train.labels, (v, i) => BigInt(i === 3 ? -1 : v))),
      message: /train-labels\.npy: label 3 is -1, outside 0\.\.255$/,
    },
    {
      name: "float images",
      format: "npy",
      file: "train-images.npy",
      content: () => {
        // A valid uint8 .npy with its type code rewritten to float32 (same header length).
        const b = encodeNpy([4], Uint8Array.from([0, 0, 0, 0]));
        const at = Buffer.from(b).indexOf("|u1");
        b.set(new TextEncoder().encode("<f4"), at);
        return b;
      },
      message: /train-images\.npy: element type '<f4' is not supported/,
    },
  ];
  for (const c of bad) {
    it(`${c.name}: one line naming the file`, () => {
      const dir = writeSynthetic(join(work, `bad-${c.name.replace(/\W+/g, "-")}`), synth, c.format);
      writeFileSync(join(dir, c.file), c.content());
      let message = "";
      try {
        loadDataset(dir);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(c.message);
      expect(message).not.toContain("\n");
      expect(message).toContain(join(dir, c.file));
    });
  }

  it("the built-in IDX files still load as 28x28x1, 10 classes", () => {
    const d = loadDataset("mnist");
    expect(d).toMatchObject({ shape: [28, 28, 1], classes: 10 });
  });
});
