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
  /** Just before a group runs: the points of it this process may run (claimed); the rest are skipped. */
  claim?(group: Point[]): Promise<Point[]>;
  onRecord(r: PointRecord): Promise<void>;
  onFailed(id: string, message: string): void;
}

const WORKER_FILE = fileURLToPath(new URL("./worker.ts", import.meta.url));

const children = new Set<ChildProcess>();
let signalsHooked = false;

/** A stopped sweep stops its workers too (a worker busy training may not notice the lost channel at once). */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(sig, () => {
      for (const c of children) c.kill("SIGKILL");
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
  process.on("exit", () => {
    for (const c of children) c.kill("SIGKILL");
  });
}

function spawnWorker(): ChildProcess {
  hookSignals();
  // Under tsx the parent's exec arguments carry the TypeScript loader; otherwise add it.
  const execArgv = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : [...process.execArgv, "--import", "tsx"];
  const child = fork(WORKER_FILE, [], { execArgv, env: { ...process.env, TRITFORGE_SWEEP_WORKER: "1" }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

export async function runGroups(groups: Point[][], workers: number, opts: RunOptions, trainerModule: string, ev: PoolEvents): Promise<void> {
  if (workers === 0) {
    const trainer = await loadTrainer(trainerModule);
    for (const all of groups) {
      const g = ev.claim ? await ev.claim(all) : all;
      if (g.length === 0) continue;
      await runGroup(trainer, g, opts, async (m) => {
        if (m.type === "record") await ev.onRecord(m.record);
        else if (m.type === "failed") ev.onFailed(m.id, m.message);
      });
    }
    return;
  }
  const queue = [...groups];
  const slot = async () => {
    for (let all = queue.shift(); all; all = queue.shift()) {
      const g = ev.claim ? await ev.claim(all) : all;
      if (g.length) await runInChild(g, opts, trainerModule, ev);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, queue.length) }, slot));
}

/** Runs one group in a fresh child process; points the child did not finish are reported failed. */
function runInChild(group: Point[], opts: RunOptions, trainerModule: string, ev: PoolEvents): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawnWorker();
    const done = new Set<string>();
    let sent = false;
    // Messages are handled one after another so records reach the store in order.
    let chain = Promise.resolve();
    child.on("message", (raw) => {
      const m = raw as FromWorker;
      chain = chain
        .then(async () => {
          if (m.type === "record") {
            done.add(m.record.id);
            await ev.onRecord(m.record);
          } else if (m.type === "failed") {
            done.add(m.id);
            ev.onFailed(m.id, m.message);
          } else if (!sent) {
            sent = true;
            child.send({ type: "run", group, opts, trainerModule } satisfies ToWorker);
          } else child.disconnect();
        })
        .catch(reject);
    });
    child.on("exit", (code, signal) => {
      void chain.then(() => {
        for (const p of group) if (!done.has(p.id)) ev.onFailed(p.id, `worker exited (${signal ?? `code ${code}`}) before finishing the point`);
        resolve();
      });
    });
  });
}
