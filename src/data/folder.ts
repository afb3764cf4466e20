/**
 * A user's data set: a folder holding the two splits as IDX or NumPy files, by name:
 *
 *   train-images.{npy,idx,idx.gz}  uint8 images, N x H x W (one channel) or N x H x W x C (HWC)
 *   train-labels.{npy,idx,idx.gz}  N integer labels 0..classes-1
 *   test-images.* / test-labels.*  the same for the test split (same image shape)
 *
 * (the MNIST names train-images-idx3-ubyte, t10k-labels-idx1-ubyte, ... are accepted too). The
 * image shape comes from the files, the class count is the largest training label + 1; every
 * test label must be below it. Each problem is one line naming the file.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { TritforgeError } from "../util/errors.js";
import { readIdxFile } from "./idx.js";
import { readNpyFile } from "./npy.js";

export interface FolderSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface FolderDataset {
  train: FolderSplit;
  test: FolderSplit;
  shape: [number, number, number];
  classes: number;
}

const MNIST_NAMES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;

export const isDataFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

function findFile(dir: string, split: "train" | "test", what: "images" | "labels"): string {
  const base = `${split}-${what}`;
  const mnist = MNIST_NAMES[split][what];
  const candidates = [`${base}.npy`, `${base}.idx`, `${base}.idx.gz`, mnist, `${mnist}.gz`].map((f) => join(dir, f));
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new TritforgeError(`data set folder ${dir}: no ${base}.npy, ${base}.idx or ${base}.idx.gz`);
  return found;
}

interface RawArray {
  dims: number[];
  data: Uint8Array | Float64Array;
  /** Whether the element type is unsigned bytes. */
  bytes: boolean;
}

function readArray(path: string): RawArray {
  if (path.endsWith(".npy")) {
    const a = readNpyFile(path);
    return { dims: a.dims, data: a.data, bytes: a.descr.endsWith("u1") };
  }
  const a = readIdxFile(path);
  return { dims: a.dims, data: a.data, bytes: true };
}

function readImages(path: string): { images: Uint8Array; count: number; shape: [number, number, number] } {
  const a = readArray(path);
  if (!a.bytes || !(a.data instanceof Uint8Array)) throw new TritforgeError(`${path}: images must be unsigned bytes (uint8)`);
  if (a.dims.length !== 3 && a.dims.length !== 4) throw new TritforgeError(`${path}: images must be N x H x W or N x H x W x C, got dimensions [${a.dims.join(", ")}]`);
  const [count, h, w, c = 1] = a.dims as [number, number, number, number?];
  if (count < 1 || h < 1 || w < 1 || c < 1) throw new TritforgeError(`${path}: empty image array, dimensions [${a.dims.join(", ")}]`);
  return { images: a.data, count, shape: [h, w, c] };
}

function readLabels(path: string, count: number, imagesPath: string): Float64Array {
  const a = readArray(path);
  if (a.dims.length !== 1 || a.dims[0] !== count)
    throw new TritforgeError(`${path}: ${a.dims.length === 1 ? `${a.dims[0]} labels` : `labels of dimensions [${a.dims.join(", ")}]`} do not match the ${count} images of ${imagesPath}`);
  const labels = Float64Array.from(a.data);
  labels.forEach((v, i) => {
    if (!(Number.isInteger(v) && v >= 0 && v < 256)) throw new TritforgeError(`${path}: label ${i} is ${v}, outside 0..255`);
  });
  return labels;
}

export function loadDatasetFolder(dir: string): FolderDataset {
  const trainImagesPath = findFile(dir, "train", "images");
  const trainLabelsPath = findFile(dir, "train", "labels");
  const testImagesPath = findFile(dir, "test", "images");
  const testLabelsPath = findFile(dir, "test", "labels");
  const train = readImages(trainImagesPath);
  const trainLabels = readLabels(trainLabelsPath, train.count, trainImagesPath);
  const test = readImages(testImagesPath);
  if (test.shape.join("x") !== train.shape.join("x"))
    throw new TritforgeError(`${testImagesPath}: images of ${test.shape.join("x")} do not match the training images (${train.shape.join("x")})`);
  const testLabels = readLabels(testLabelsPath, test.count, testImagesPath);
  const classes = Math.max(...trainLabels) + 1;
  if (classes < 2) throw new TritforgeError(`${trainLabelsPath}: the training labels name ${classes} class; at least 2 are needed`);
  testLabels.forEach((v, i) => {
    if (v >= classes) throw new TritforgeError(`${testLabelsPath}: label ${i} is ${v}, outside 0..${classes - 1} (the classes of the training labels)`);
  });
  return {
    train: { images: train.images, labels: Uint8Array.from(trainLabels), count: train.count },
    test: { images: test.images, labels: Uint8Array.from(testLabels), count: test.count },
    shape: train.shape,
    classes,
  };
}
