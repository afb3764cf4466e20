/**
 * Runs groups of points in worker processes (child processes, one group at a time each), or in
 * this process when workers = 0. Records come back to the caller, which stores them.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Point } from "./points.js";
import type { RunOptions } from "./run.js";
import type { PointRecord } from "./store.js";
import { loadTrainer } from "./trainer.js";
import { runGroup, type FromWorker, type ToWorker } from "./worker.js";

export interface PoolEvents {
  onRecord(r: PointRecord): Promise<void>;
  onFailed(id: string, message: string): void;
}

const WORKER_FILE = fileURLToPath(new URL("./worker.ts", import.meta.url));

function spawnWorker(): ChildProcess {
  // Under tsx the parent's exec arguments carry the TypeScript loader; otherwise add it.
  const execArgv = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : [...process.execArgv, "--import", "tsx"];
  return fork(WORKER_FILE, [], { execArgv, env: { ...process.env, TRITFORGE_SWEEP_WORKER: "1" }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

export async function runGroups(groups: Point[][], workers: number, opts: RunOptions, trainerModule: string, ev: PoolEvents): Promise<void> {
  if (workers === 0) {
    const trainer = await loadTrainer(trainerModule);
    for (const g of groups)
      await runGroup(trainer, g, opts, async (m) => {
        if (m.type === "record") await ev.onRecord(m.record);
        else if (m.type === "failed") ev.onFailed(m.id, m.message);
      });
    return;
  }
  const queue = [...groups];
  const n = Math.min(workers, queue.length);
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const child = spawnWorker();
        let current: Point[] = [];
        const done = new Set<string>();
        // Messages are handled one after another so records reach the store in order.
        let chain = Promise.resolve();
        child.on("message", (raw) => {
          const m = raw as FromWorker;
          chain = chain.then(async () => {
            if (m.type === "record") {
              done.add(m.record.id);
              await ev.onRecord(m.record);
            } else if (m.type === "failed") {
              done.add(m.id);
              ev.onFailed(m.id, m.message);
            } else {
              const next = queue.shift();
              if (!next) {
                current = [];
                child.disconnect();
                return;
              }
              current = next;
              child.send({ type: "run", group: next, opts, trainerModule } satisfies ToWorker);
            }
          }).catch(reject);
        });
        child.on("exit", (code, signal) => {
          void chain.then(() => {
            const lost = current.filter((p) => !done.has(p.id));
            for (const p of lost) ev.onFailed(p.id, `worker exited (${signal ?? `code ${code}`}) before finishing the point`);
            resolve();
          });
        });
      }),
    ),
  );
}
