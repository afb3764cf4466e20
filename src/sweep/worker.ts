/**
 * Child-process entry of `sweep --workers N`: receives groups of points (one float model and its
 * precisions), runs them, and sends each finished record back; the parent alone writes the store.
 * Exits when the parent goes away (a killed sweep leaves no orphan training).
 */
import { TritforgeError } from "../util/errors.js";
import type { Point } from "./points.js";
import { runPoint, type RunOptions } from "./run.js";
import type { PointRecord } from "./store.js";
import { loadTrainer, type Trainer } from "./trainer.js";

export type ToWorker = { type: "run"; group: Point[]; opts: RunOptions; trainerModule: string };
export type FromWorker =
  | { type: "record"; record: PointRecord }
  | { type: "failed"; id: string; message: string }
  | { type: "idle" };

/** Runs a group in order; a failed point is reported and skips the rest of its group (they share its float model). */
export async function runGroup(trainer: Trainer, group: Point[], opts: RunOptions, send: (m: FromWorker) => void | Promise<void>): Promise<void> {
  for (const [i, p] of group.entries()) {
    try {
      await send({ type: "record", record: await runPoint(trainer, p, opts) });
    } catch (err) {
      const message = err instanceof TritforgeError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      await send({ type: "failed", id: p.id, message });
      if (p.spec.kind === "float") {
        for (const q of group.slice(i + 1)) await send({ type: "failed", id: q.id, message: `skipped: its float model (point ${p.id}) failed` });
        return;
      }
    }
  }
}

function childMain(): void {
  const trainers = new Map<string, Promise<Trainer>>();
  const send = (m: FromWorker) => new Promise<void>((res) => process.send!(m, undefined, {}, () => res()));
  process.on("disconnect", () => process.exit(0));
  // Also notice a parent killed outright (SIGKILL) between two training steps.
  setInterval(() => {
    if (!process.connected || process.ppid === 1) process.exit(0);
  }, 1000).unref();
  process.on("message", (raw) => {
    const m = raw as ToWorker;
    if (m.type !== "run") return;
    void (async () => {
      let t = trainers.get(m.trainerModule);
      if (!t) trainers.set(m.trainerModule, (t = loadTrainer(m.trainerModule)));
      try {
        await runGroup(await t, m.group, m.opts, send);
      } catch (err) {
        for (const p of m.group) await send({ type: "failed", id: p.id, message: (err as Error).message });
      }
      await send({ type: "idle" });
    })();
  });
  void send({ type: "idle" });
}

if (process.send && process.env.TRITFORGE_SWEEP_WORKER === "1") childMain();
