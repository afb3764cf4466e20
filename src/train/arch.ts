/** Network architectures: parsing from the CLI, describing, and counting parameters. */
import { TritforgeError } from "../util/errors.js";

/**
 * `input` ([height, width, channels]) and `classes` come from the data set; they are left out for
 * 28x28x1 images and 10 classes (MNIST, Fashion-MNIST), so those architectures keep their ids.
 */
export type Architecture = ({ kind: "ffdnn"; hidden: number[] } | { kind: "cnn"; conv: number[]; dense: number[] }) & DataShape;

export interface DataShape {
  input?: [number, number, number];
  classes?: number;
}

const MNIST_INPUT: [number, number, number] = [28, 28, 1];
const MNIST_CLASSES = 10;
export const archInput = (a: DataShape): [number, number, number] => a.input ?? MNIST_INPUT;
export const archClasses = (a: DataShape): number => a.classes ?? MNIST_CLASSES;
export const inputFeatures = (a: DataShape): number => archInput(a).reduce((x, y) => x * y, 1);

/** The architecture for images of `shape` and `classes` classes (fields left out for the MNIST defaults). */
export function withData(a: Architecture, shape: readonly number[], classes: number): Architecture {
  const { input: _input, classes: _classes, ...rest } = a;
  const mnist = shape.join("x") === MNIST_INPUT.join("x") && classes === MNIST_CLASSES;
  return mnist ? rest : { ...rest, input: [shape[0]!, shape[1]!, shape[2]!], classes };
}

const MAX_WIDTH = 16384;

function widths(flag: string, spec: string, allowEmpty: boolean): number[] {
  const s = spec.trim();
  if (allowEmpty && s === "") return [];
  const rep = /^(\d+)x(\d+)$/.exec(s);
  const list = rep ? new Array<string>(Number(rep[2])).fill(rep[1]!) : s.split(",").map((p) => p.trim());
  if (rep && Number(rep[2]) < 1) throw new TritforgeError(`${flag} "${spec}": the repeat count must be at least 1`);
  const out = list.map((p) => {
    if (!/^\d+$/.test(p)) throw new TritforgeError(`${flag} "${spec}" is malformed: use WIDTHxDEPTH (e.g. 1024x3) or a comma list (e.g. 512,256)`);
    const n = Number(p);
    if (n < 1 || n > MAX_WIDTH) throw new TritforgeError(`${flag} "${spec}": widths must be in [1, ${MAX_WIDTH}], got ${n}`);
    return n;
  });
  if (!allowEmpty && out.length === 0) throw new TritforgeError(`${flag} "${spec}" names no layer`);
  return out;
}

/** "1024x3" -> [1024, 1024, 1024]; "512,256" -> [512, 256]. */
export const parseHidden = (spec: string): number[] => widths("--hidden", spec, false);
/** "16,16,32" -> conv layers (3x3, padding 1, each followed by 2x2 max-pooling). */
export const parseConv = (spec: string): number[] => widths("--conv", spec, false);
export const parseDense = (spec: string): number[] => widths("--dense", spec, true);

export function describeArch(a: Architecture): string {
  const data = a.input ? ` on ${a.input.join("x")} images, ${archClasses(a)} classes` : "";
  return a.kind === "ffdnn" ? `FFDNN ${[inputFeatures(a), ...a.hidden, archClasses(a)].join("-")}` : `CNN conv ${a.conv.join("-")}${a.dense.length ? ` dense ${a.dense.join("-")}` : ""}${data}`;
}

/** A short identifier, e.g. "ffdnn-256x3" or "cnn-16-16-32". */
export function archId(a: Architecture): string {
  if (a.kind === "cnn") return `cnn-${a.conv.join("-")}${a.dense.length ? `-d${a.dense.join("-")}` : ""}`;
  const same = a.hidden.every((h) => h === a.hidden[0]);
  return `ffdnn-${same ? `${a.hidden[0]}x${a.hidden.length}` : a.hidden.join("-")}`;
}

export interface ParamShape {
  name: string;
  kind: "dense" | "conv2d";
  /** dense: [in, out]; conv2d: [k, k, in, out] (TF layouts). */
  shape: number[];
  biasLength: number;
}

/** Weight tensors in order, for the architecture's input shape and classes. */
export function paramShapes(a: Architecture): ParamShape[] {
  const out: ParamShape[] = [];
  const classes = archClasses(a);
  if (a.kind === "ffdnn") {
    const sizes = [inputFeatures(a), ...a.hidden, classes];
    for (let i = 0; i + 1 < sizes.length; i++) out.push({ name: `fc${i}`, kind: "dense", shape: [sizes[i]!, sizes[i + 1]!], biasLength: sizes[i + 1]! });
    return out;
  }
  let [h, w, c] = archInput(a);
  a.conv.forEach((oc, i) => {
    out.push({ name: `conv${i}`, kind: "conv2d", shape: [3, 3, c, oc], biasLength: oc });
    c = oc;
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  });
  if (h < 1 || w < 1) throw new TritforgeError(`--conv ${a.conv.join(",")}: too many pooling stages for ${archInput(a).slice(0, 2).join("x")} images`);
  const sizes = [h * w * c, ...a.dense, classes];
  for (let i = 0; i + 1 < sizes.length; i++) out.push({ name: `fc${i}`, kind: "dense", shape: [sizes[i]!, sizes[i + 1]!], biasLength: sizes[i + 1]! });
  return out;
}

export const weightCount = (a: Architecture): number => paramShapes(a).reduce((s, p) => s + p.shape.reduce((x, y) => x * y, 1), 0);
export const parameterCount = (a: Architecture): number => paramShapes(a).reduce((s, p) => s + p.shape.reduce((x, y) => x * y, 1) + p.biasLength, 0);
