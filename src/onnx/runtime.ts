/**
 * ONNX Runtime (onnxruntime-node, CPU) as a second, independent oracle: runs an exported integer
 * graph on images and compares every logit with the bit-exact reference model.
 */
import * as ort from "onnxruntime-node";
import type { Network } from "../ir/schema.js";
import { infer, inputSize } from "../reference/infer.js";
import { TritforgeError } from "../util/errors.js";

const BATCH = 500;

/** Opens a model with ONNX Runtime's own loader (errors become one line). */
export async function openSession(model: Uint8Array, source: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  } catch (err) {
    throw new TritforgeError(`ONNX Runtime refuses ${source}: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Runs a single-input, single-output graph in batches; returns the outputs as numbers, sample-major. */
export async function runBatches(
  session: ort.InferenceSession,
  makeInput: (start: number, n: number) => ort.Tensor,
  count: number,
): Promise<{ values: Float64Array; perSample: number }> {
  const [inName] = session.inputNames;
  const [outName] = session.outputNames;
  let values = new Float64Array(0);
  let perSample = 0;
  for (let s0 = 0; s0 < count; s0 += BATCH) {
    const n = Math.min(BATCH, count - s0);
    const result = await session.run({ [inName!]: makeInput(s0, n) });
    const out = result[outName!]!;
    const data = out.data as ArrayLike<number | bigint>;
    if (s0 === 0) {
      perSample = data.length / n;
      values = new Float64Array(perSample * count);
    }
    for (let i = 0; i < data.length; i++) values[s0 * perSample + i] = Number(data[i]!);
  }
  return { values, perSample };
}

export interface OracleReport {
  samples: number;
  logits: number;
  /** Logits that differ from the reference (0 means bit-exact agreement). */
  mismatches: number;
  firstMismatch: { sample: number; index: number; onnx: number; reference: number } | null;
  /** Correct predictions of the ONNX graph (argmax, lowest index on ties) when labels are given. */
  correct: number | null;
  seconds: number;
}

/** Runs the exported integer graph on `count` samples and compares every logit with the reference. */
export async function checkWithOnnxRuntime(net: Network, model: Uint8Array, inputs: Uint8Array, count: number, labels?: ArrayLike<number>): Promise<OracleReport> {
  const t0 = performance.now();
  const size = inputSize(net);
  const session = await openSession(model, `the ONNX export of ${net.name}`);
  const { values } = await runBatches(session, (s0, n) => new ort.Tensor("uint8", inputs.subarray(s0 * size, (s0 + n) * size), [n, ...net.input.shape]), count);
  await session.release();
  const ref = infer(net, inputs.subarray(0, count * size), count);
  let mismatches = 0;
  let firstMismatch: OracleReport["firstMismatch"] = null;
  if (values.length !== ref.logits.length) throw new TritforgeError(`ONNX graph of ${net.name} gave ${values.length} logits, the reference ${ref.logits.length}`);
  for (let i = 0; i < values.length; i++)
    if (values[i] !== ref.logits[i]) {
      mismatches++;
      firstMismatch ??= { sample: Math.floor(i / ref.classes), index: i % ref.classes, onnx: values[i]!, reference: ref.logits[i]! };
    }
  let correct: number | null = null;
  if (labels) {
    correct = 0;
    for (let s = 0; s < count; s++) {
      let best = 0;
      for (let c = 1; c < ref.classes; c++) if (values[s * ref.classes + c]! > values[s * ref.classes + best]!) best = c;
      if (best === labels[s]) correct++;
    }
  }
  return { samples: count, logits: values.length, mismatches, firstMismatch, correct, seconds: (performance.now() - t0) / 1000 };
}

/** Logits of a float ONNX graph (export-float.ts conventions) on uint8 HWC images, fed as pixel / 255 in NCHW order. */
export async function floatOnnxLogits(model: Uint8Array, input: number[], images: Uint8Array, count: number): Promise<{ logits: Float64Array; classes: number }> {
  const session = await openSession(model, "the float ONNX graph");
  const size = input.reduce((a, b) => a * b, 1);
  const [h, w, c] = input.length === 3 ? (input as [number, number, number]) : [1, 1, size];
  const { values, perSample } = await runBatches(
    session,
    (s0, n) => {
      const x = new Float32Array(n * size);
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) x[b * size + (ch * h + y) * w + xx] = images[(s0 + b) * size + (y * w + xx) * c + ch]! / 255;
      return new ort.Tensor("float32", x, input.length === 3 ? [n, c, h, w] : [n, size]);
    },
    count,
  );
  await session.release();
  return { logits: values, classes: perSample };
}
