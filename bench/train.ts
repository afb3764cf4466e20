/**
 * Training throughput (samples/s) of tritforge's engine beside TF.js `model.fit` (tfjs-layers) on the
 * same backend, same architecture, batch size and optimiser (Adam), on real Fashion-MNIST images.
 * Networks: FFDNN 784-1024-1024-1024-10 and CNN --conv 16,16,32 (3x3 same conv + ReLU + 2x2
 * max-pooling each, then a dense 288-10 classifier). One process, one thread (wasm has no threads in
 * Node); the figures are per process.
 *
 *   npm run bench -- training            (every available backend)
 *   npx tsx bench/train.ts [wasm|cpu]    (one backend)
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadDataset } from "../src/data/datasets.js";
import { layersModel as sequentialOf } from "../src/import/tfjs.js";
import { initBackend } from "../src/tf/backend.js";
import { initialParams } from "../src/train/api.js";
import { describeArch, type Architecture } from "../src/train/arch.js";
import { Engine } from "../src/train/engine.js";
import { fit, type Samples } from "../src/train/loop.js";

const BATCHES = [128, 256];
const ARCHS: Architecture[] = [
  { kind: "ffdnn", hidden: [1024, 1024, 1024] },
  { kind: "cnn", conv: [16, 16, 32], dense: [] },
];

/** Samples timed per measurement (after a warm-up), smaller on the slow pure-JS backend. */
const samplesFor = (backend: string, arch: Architecture, layers: boolean): number =>
  backend === "cpu" ? (arch.kind === "cnn" ? 256 : 512) : layers ? 768 : 4096;

/** Wall-clock and process CPU rates of a timed run (CPU time is immune to other processes on the machine). */
interface Rate {
  wall: number;
  cpu: number;
}

async function timed(n: number, run: () => Promise<unknown>): Promise<Rate> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: n / wall, cpu: n / ((c.user + c.system) / 1e6) };
}

function subset(train: Samples, n: number): Samples {
  return { images: train.images.subarray(0, n * 784), labels: train.labels.subarray(0, n), count: n };
}

/** tritforge's engine: the real training loop (batches from typed arrays, Adam, one epoch). */
async function engineRate(arch: Architecture, data: Samples, n: number, batch: number): Promise<Rate> {
  const p = initialParams(arch, 1);
  const engine = new Engine(arch, p.weights, p.biases);
  try {
    const common = { batchSize: batch, learningRate: 1e-3, seed: 1, quant: null, validation: null, patience: 0, progress: false, label: "bench" };
    await fit(engine, subset(data, batch * 2), { ...common, epochs: 1 }); // warm-up
    return await timed(n, () => fit(engine, subset(data, n), { ...common, epochs: 1 }));
  } finally {
    engine.dispose();
  }
}

function layersModel(arch: Architecture): tfl.Sequential {
  const m = sequentialOf(arch, "softmax");
  m.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  return m;
}

/** `model.fit` for one epoch over n samples (tensors built beforehand, not timed). */
async function layersRate(arch: Architecture, data: Samples, n: number, batch: number): Promise<Rate> {
  const model = layersModel(arch);
  const shape = arch.kind === "cnn" ? [n, 28, 28, 1] : [n, 784];
  const x = tf.tensor(Float32Array.from(data.images.subarray(0, n * 784), (v) => v / 255), shape);
  const y = tf.cast(tf.oneHot(tf.tensor1d(Array.from(data.labels.subarray(0, n)), "int32"), 10), "float32");
  try {
    const warm = Math.min(n, batch * 2);
    const xw = tf.slice(x, 0, warm);
    const yw = tf.slice(y, 0, warm);
    await model.fit(xw, yw, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
    tf.dispose([xw, yw]);
    return await timed(n, () => model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0 }));
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

async function availableBackends(): Promise<string[]> {
  const out: string[] = [];
  for (const b of ["tensorflow", "wasm", "cpu"]) {
    try {
      out.push(await initBackend(b));
    } catch {
      // not installed or not initialisable here
    }
  }
  return out;
}

const num = (r: number) => Math.round(r).toLocaleString("en-US");
const fmt = (r: Rate) => `${num(r.wall).padStart(6)} samples/s (${num(r.cpu)} per CPU-s)`;

export async function benchTraining(only?: string[]): Promise<void> {
  const data = loadDataset("fashion-mnist").train;
  const train: Samples = { images: data.images, labels: data.labels, count: data.count };
  const backends = only?.length ? only : await availableBackends();
  console.log("wall-clock rates suffer from other processes on the machine; per CPU-s rates do not (one thread each)");
  console.log(`training throughput, batches ${BATCHES.join(" and ")}, Adam, Fashion-MNIST images, one process (backends: ${backends.join(", ")})`);
  for (const b of backends) {
    const backend = await initBackend(b);
    for (const arch of ARCHS) {
      for (const batch of BATCHES) {
        const ours = await engineRate(arch, train, samplesFor(backend, arch, false), batch);
        let theirs: Rate | null = null;
        let failure = "";
        try {
          theirs = await layersRate(arch, train, samplesFor(backend, arch, true), batch);
        } catch (err) {
          failure = (err as Error).message.split("\n")[0]!.slice(0, 100);
        }
        const label = `${backend.padEnd(5)} ${describeArch(arch).padEnd(28)} batch ${String(batch).padEnd(4)}`;
        const ratio = theirs ? ` | ratio ${(ours.wall / theirs.wall).toFixed(1)}x (CPU ${(ours.cpu / theirs.cpu).toFixed(1)}x)` : "";
        console.log(`${label} tritforge ${fmt(ours)} | model.fit ${theirs ? fmt(theirs) : `fails (${failure})`}${ratio}`);
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTraining(process.argv.slice(2));
