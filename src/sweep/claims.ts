/**
 * Per-point claims on a store, so that sweeps sharing a store never train a point twice: before a
 * sweep runs a point it creates `<store>.claims/<point id>` (exclusively, holding its pid and host)
 * unless the point is already in the store or claimed by a live process; it removes the claim once
 * the point's record is stored or the point failed. A claim of a process of this machine that has
 * died (a killed sweep) is stale and taken over. Claims of other hosts are respected; a machine that
 * died holding one needs its claim file removed by hand (the note names it).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ensureWritableDir } from "../util/fs.js";
import { processAlive } from "../util/process.js";
import { withLock } from "./lock.js";
import type { Point } from "./points.js";
import { finishedIds, readStore } from "./store.js";

export interface Claim {
  pid: number;
  host: string;
  since: string;
}

export const claimsDir = (store: string): string => `${store}.claims`;
const claimFile = (store: string, id: string) => join(claimsDir(store), id);

function readClaim(file: string): Claim | null {
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as Partial<Claim>;
    return typeof c.pid === "number" && typeof c.host === "string" ? { pid: c.pid, host: c.host, since: String(c.since ?? "") } : null;
  } catch {
    return null; // unreadable or half-written by a process killed while claiming: nobody holds it
  }
}

const ours = (c: Claim) => c.pid === process.pid && c.host === hostname();
const live = (c: Claim) => c.host !== hostname() || processAlive(c.pid);

export interface ClaimResult {
  claimed: Point[];
  /** Already in the store (finished by another sweep since this one read it). */
  finished: Point[];
  /** Held by another live process. */
  held: Array<{ point: Point; claim: Claim }>;
}

/** Claims the points that are neither stored nor held by a live process (under the store's lock). */
export function claimPoints(store: string, points: readonly Point[]): Promise<ClaimResult> {
  ensureWritableDir(claimsDir(store));
  return withLock(`${store}.lock`, () => {
    const done = finishedIds(readStore(store).records);
    const r: ClaimResult = { claimed: [], finished: [], held: [] };
    for (const point of points) {
      if (done.has(point.id)) {
        r.finished.push(point);
        continue;
      }
      const file = claimFile(store, point.id);
      const claim = existsSync(file) ? readClaim(file) : null;
      if (claim && !ours(claim) && live(claim)) {
        r.held.push({ point, claim });
        continue;
      }
      rmSync(file, { force: true });
      writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Claim) + "\n", { flag: "wx" });
      r.claimed.push(point);
    }
    return r;
  });
}

/** Gives up this process's claim on a point (stored or failed); another's claim is left alone. */
export function releaseClaim(store: string, id: string): void {
  const file = claimFile(store, id);
  const claim = readClaim(file);
  if (claim && ours(claim)) rmSync(file, { force: true });
}
