/**
 * A deterministic stand-in for src/train/api.ts used by the sweep tests: no TF.js, accuracies are a
 * fixed function of the architecture and precision, networks are seeded random IR of the right
 * shape. TRITFORGE_FAKE_DELAY_MS slows each call down (for the kill-and-resume test);
 * TRITFORGE_FAKE_LOG appends one line per float training to a file (to count retrainings), and
 * TRITFORGE_FAKE_QUANT_LOG one line per quantization;
 * TRITFORGE_FAKE_CRASH=W makes the worker process die while quantizing a net of hidden width W.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomDenseNetwork } from "../src/ir/random.js";
import type { Architecture, FloatResult, FloatTrainOptions, QuantOptions, QuantResult } from "../src/sweep/trainer.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const delay = () => sleep(Number(process.env.TRITFORGE_FAKE_DELAY_MS ?? 0));

function sizes(a: Architecture): number[] {
  return a.kind === "ffdnn" ? [784, ...a.hidden, 10] : [784, ...a.conv, ...a.dense, 10];
}
const weights = (s: number[]) => s.slice(1).reduce((acc, n, i) => acc + n * s[i]!, 0);
const biases = (s: number[]) => s.slice(1).reduce((a, b) => a + b, 0);

/** Float accuracy grows with log(weights): 0.70 at 10k weights, +0.05 per doubling, capped at 0.92. */
export const fakeFloatAccuracy = (w: number) => Math.min(0.92, 0.7 + 0.05 * Math.log2(w / 10000));

export async function trainFloat(o: FloatTrainOptions): Promise<FloatResult> {
  const file = join(o.modelDir, "float.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as FloatResult;
  await delay();
  if (process.env.TRITFORGE_FAKE_LOG) appendFileSync(process.env.TRITFORGE_FAKE_LOG, `${o.modelDir}\n`);
  const s = sizes(o.arch);
  const r: FloatResult = { modelDir: o.modelDir, testAccuracy: fakeFloatAccuracy(weights(s)), parameters: weights(s) + biases(s), weightCount: weights(s), epochs: o.epochs, seconds: 0.5, backend: "fake" };
  mkdirSync(o.modelDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...r, sizes: s }));
  return r;
}

export async function quantizeAndRetrain(o: QuantOptions): Promise<QuantResult> {
  const f = JSON.parse(readFileSync(join(o.modelDir, "float.json"), "utf8")) as FloatResult & { sizes: number[] };
  await delay();
  if (process.env.TRITFORGE_FAKE_QUANT_LOG) appendFileSync(process.env.TRITFORGE_FAKE_QUANT_LOG, `${o.name}\n`);
  if (process.env.TRITFORGE_FAKE_CRASH && f.sizes[1] === Number(process.env.TRITFORGE_FAKE_CRASH)) process.exit(9);
  const net = randomDenseNetwork({ name: o.name, seed: o.seed, sizes: f.sizes, levels: o.levels, signalBits: o.signalBits });
  // Direct quantization loses more for fewer levels and smaller nets; retraining wins most of it back.
  const loss = (3 / o.levels) * 0.2 * (10000 / f.weightCount) ** 0.3;
  const direct = { network: net, testAccuracy: f.testAccuracy - loss };
  const retrained = o.retrainEpochs > 0 ? { network: net, testAccuracy: f.testAccuracy - loss / 4 } : null;
  if (!o.keepDirect || !retrained) return { direct, retrained, seconds: 0.1, backend: "fake" };
  // With keepDirect, retraining a 4-bit net loses 0.5 pp on validation (the case the fallback is for): the direct weights are kept.
  const validation = { direct: direct.testAccuracy, retrained: o.levels === 15 ? direct.testAccuracy - 0.005 : retrained.testAccuracy };
  const chosen = validation.direct > validation.retrained ? "direct" : "retrained";
  const selection = { chosen, validation, rejectedTestAccuracy: chosen === "direct" ? retrained.testAccuracy : direct.testAccuracy } as const;
  return { direct, retrained: chosen === "direct" ? direct : retrained, selection, seconds: 0.1, backend: "fake" };
}
