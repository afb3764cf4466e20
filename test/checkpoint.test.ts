/**
 * A float-model checkpoint is one atomic unit: data files named by content, model.json (written
 * last) names them with their hashes. A checkpoint torn between its files rolls back to the last
 * complete one or is refused; it is never mixed.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { paramShapes, type Architecture } from "../src/train/arch.js";
import { loadModel, saveModel, type FloatModel, type ModelMeta } from "../src/train/store.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-ckpt-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const arch: Architecture = { kind: "ffdnn", hidden: [3] };
const filled = (n: number, v: number) => new Float32Array(n).fill(v);

/** The checkpoint after `epoch` epochs: every weight, moment and best weight carries the epoch number. */
function checkpoint(epoch: number): { model: FloatModel; resume: { optimizer: Float32Array[]; best: { weights: Float32Array[]; biases: Float32Array[] } } } {
  const shapes = paramShapes(arch);
  const w = shapes.map((s) => filled(s.shape.reduce((a, b) => a * b, 1), epoch));
  const b = shapes.map((s) => filled(s.biasLength, epoch));
  const meta: ModelMeta = {
    format: "tritforge-float-model",
    version: 1,
    arch,
    dataset: "mnist",
    seed: 1,
    status: "training",
    epochsPlanned: 5,
    epochsDone: epoch,
    adamSteps: epoch * 10,
    bestValidationAccuracy: 0.5,
    testAccuracy: null,
    seconds: epoch,
    backend: "cpu",
    trainLimit: null,
    history: [],
  };
  const optimizer = w.flatMap((x, i) => [filled(x.length, -epoch), filled(x.length, -epoch), filled(b[i]!.length, -epoch), filled(b[i]!.length, -epoch)]);
  return { model: { meta, weights: w, biases: b }, resume: { optimizer, best: { weights: w.map((x) => x.map((v) => v + 0.5)), biases: b } } };
}

const epochOf = (m: ReturnType<typeof loadModel>) => ({ meta: m.meta.epochsDone, weights: m.weights[0]![0], bias: m.biases[1]![0], optimizer: m.optimizer![0]![0], best: m.best!.weights[0]![0] });

function saved(name: string, epoch: number): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const c = checkpoint(epoch);
  saveModel(dir, c.model, c.resume);
  return dir;
}

describe("float-model checkpoints", () => {
  it("a kill after the data files of epoch 3 but before its model.json resumes from epoch 2 whole, not a mix", () => {
    const dir = saved("torn", 2);
    const next = saved("next", 3);
    // Everything of epoch 3 reached the disk except model.json (what a kill -9 at that moment leaves).
    for (const f of readdirSync(next)) if (f !== "model.json") copyFileSync(join(next, f), join(dir, f));
    expect(epochOf(loadModel(dir))).toEqual({ meta: 2, weights: 2, bias: 2, optimizer: -2, best: 2.5 });
  });

  it("a data file that does not match model.json is refused with one line", () => {
    const dir = saved("corrupt", 2);
    const meta = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { files: { weights: { file: string } } };
    const other = saved("other", 3);
    const otherMeta = JSON.parse(readFileSync(join(other, "model.json"), "utf8")) as { files: { weights: { file: string } } };
    // Epoch-3 weights under the name model.json of epoch 2 expects.
    copyFileSync(join(other, otherMeta.files.weights.file), join(dir, meta.files.weights.file));
    expect(() => loadModel(dir)).toThrow(/^checkpoint .* is torn or corrupt: weights-[0-9a-f]{64}\.bin does not match the hash in model\.json/);
    rmSync(join(dir, meta.files.weights.file));
    expect(() => loadModel(dir)).toThrow(/is torn: weights-[0-9a-f]{64}\.bin named by model\.json is missing/);
  });

  it("the next save removes the files of superseded and torn checkpoints", () => {
    const dir = saved("strays", 1);
    const next = saved("strays-next", 9);
    for (const f of readdirSync(next)) if (f !== "model.json") copyFileSync(join(next, f), join(dir, f));
    const c = checkpoint(2);
    saveModel(dir, c.model, c.resume);
    saveModel(dir, { ...c.model, meta: { ...c.model.meta, status: "done" } }, null);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe("model.json");
    expect(files[1]).toMatch(/^weights-[0-9a-f]{64}\.bin$/);
    const m = loadModel(dir);
    expect([m.meta.status, m.meta.epochsDone, m.weights[0]![0], m.optimizer, m.best]).toEqual(["done", 2, 2, null, null]);
  });

  it("a folder of an older version (weights.bin, no hashes) still loads", () => {
    const dir = saved("legacy", 4);
    const meta = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as Record<string, unknown> & { files: Record<string, { file: string }> };
    for (const [kind, ref] of Object.entries(meta.files)) copyFileSync(join(dir, ref.file), join(dir, `${kind}.bin`));
    for (const ref of Object.values(meta.files)) rmSync(join(dir, ref.file));
    delete (meta as { files?: unknown }).files;
    writeFileSync(join(dir, "model.json"), JSON.stringify(meta));
    expect(epochOf(loadModel(dir))).toEqual({ meta: 4, weights: 4, bias: 4, optimizer: -4, best: 4.5 });
  });

  it("train --model-dir naming a file fails with one line", () => {
    const file = join(work, "a-file");
    writeFileSync(file, "x");
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/train.ts", "--dataset", "mnist", "--hidden", "4", "--epochs", "1", "--model-dir", file, "--out", join(work, "o.json")], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: model folder ${file} is a file, not a folder\n`);
  });
});
