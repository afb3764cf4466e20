import { readFileSync } from "node:fs";

/**
 * True when a process with this pid exists and has not exited. A zombie (exited, not yet reaped:
 * common in containers whose init does not reap orphans) counts as dead, so a killed sweep's claims
 * are taken over.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** Linux: the state field of /proc/PID/stat is Z (zombie) or X (dead); elsewhere assume not. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return false;
  }
}
