/**
 * A seeded synthetic image data set of any shape (tests): each class has a random prototype
 * image; a sample is its class prototype plus seeded noise, so a small network learns it in a few
 * epochs. Written as a folder of IDX files or of .npy files (src/data/folder.ts conventions).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeIdx } from "../src/data/idx.js";
import { encodeNpy } from "../src/data/npy.js";
import { makeRng } from "../src/util/rng.js";

export interface Synthetic {
  shape: [number, number, number];
  classes: number;
  train: { images: Uint8Array; labels: Uint8Array; count: number };
  test: { images: Uint8Array; labels: Uint8Array; count: number };
}

export function syntheticImages(seed: number, shape: [number, number, number], classes: number, trainCount: number, testCount: number): Synthetic {
  const rng = makeRng(`synthetic:${seed}`);
  const size = shape[0] * shape[1] * shape[2];
  const prototypes = Array.from({ length: classes }, () => Uint8Array.from({ length: size }, () => (rng.next() < 0.3 ? rng.int(150, 255) : rng.int(0, 60))));
  const split = (count: number) => {
    const images = new Uint8Array(count * size);
    const labels = new Uint8Array(count);
    for (let s = 0; s < count; s++) {
      const c = rng.int(0, classes - 1);
      labels[s] = c;
      for (let j = 0; j < size; j++) images[s * size + j] = Math.max(0, Math.min(255, prototypes[c]![j]! + rng.int(-70, 70)));
    }
    return { images, labels, count };
  };
  return { shape, classes, train: split(trainCount), test: split(testCount) };
}

/** Writes the data set as train-images.idx ... (format "idx") or train-images.npy ... ("npy"). */
export function writeSynthetic(dir: string, d: Synthetic, format: "idx" | "npy"): string {
  mkdirSync(dir, { recursive: true });
  for (const [split, s] of [["train", d.train], ["test", d.test]] as const) {
    const dims = [s.count, ...d.shape];
    if (format === "idx") {
      writeFileSync(join(dir, `${split}-images.idx`), encodeIdx(dims, s.images));
      writeFileSync(join(dir, `${split}-labels.idx`), encodeIdx([s.count], s.labels));
    } else {
      writeFileSync(join(dir, `${split}-images.npy`), encodeNpy(dims, s.images));
      writeFileSync(join(dir, `${split}-labels.npy`), encodeNpy([s.count], BigInt64Array.from(s.labels, (v) => BigInt(v))));
    }
  }
  return dir;
}
