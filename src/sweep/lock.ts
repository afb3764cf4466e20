/**
 * A lock between processes on one machine: a folder created atomically, holding the owner's pid.
 * A lock whose owner is dead is stale and taken over. (Across machines, give each its own store and
 * model folder and merge the stores afterwards.)
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../util/process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ageMs(dir: string): number {
  try {
    return Date.now() - statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

function tryTake(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(dir, "pid"), "utf8"));
    } catch {
      /* the owner has not written its pid yet, or died before it could */
    }
    const stale = Number.isInteger(owner) && owner > 0 ? !processAlive(owner) : ageMs(dir) > 10_000;
    if (stale) rmSync(dir, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(dir, "pid"), String(process.pid));
  return true;
}

/** Runs fn while holding the lock folder `dir`, polling while another live process holds it. */
export async function withLock<T>(dir: string, fn: () => T | Promise<T>, pollMs = 200): Promise<T> {
  while (!tryTake(dir)) await sleep(pollMs);
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
