/**
 * Simulator builds cached per bundle: the key is a hash of the simulator's version and every
 * design file (RTL, testbench, ROM images), so an unchanged bundle is built once. A build is made
 * in a private temporary folder and renamed into place, so parallel shards never see half a build.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Manifest } from "../hw/bundle/manifest.js";

export const SIM_CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", ".cache", "sim");

export function bundleHash(bundleDir: string, m: Manifest, toolVersion: string): string {
  const h = createHash("sha256").update(toolVersion).update("\0").update(m.top);
  for (const f of [...m.files.rtl, m.files.testbench, ...m.files.mem]) h.update("\0").update(f).update("\0").update(readFileSync(join(bundleDir, f)));
  return h.digest("hex").slice(0, 24);
}

/** The cached build of a bundle for `simulator`, with the seconds spent building now (0 if cached). */
export async function timedBuild(simulator: string, bundleDir: string, m: Manifest, toolVersion: string, build: (dir: string) => Promise<void>): Promise<{ dir: string; seconds: number }> {
  const t = performance.now();
  const r = await cachedBuild(simulator, bundleHash(bundleDir, m, toolVersion), build);
  return { dir: r.dir, seconds: r.built ? (performance.now() - t) / 1000 : 0 };
}

/** The cached build folder for `key`, building it with `build(tmpDir)` when absent. */
export async function cachedBuild(simulator: string, key: string, build: (dir: string) => Promise<void>): Promise<{ dir: string; built: boolean }> {
  // TRITFORGE_SIM_CACHE moves the cache (the fuzzer gives each run its own and empties it per case).
  const dir = join(process.env.TRITFORGE_SIM_CACHE ?? SIM_CACHE_DIR, simulator, key);
  if (existsSync(join(dir, ".complete"))) return { dir, built: false };
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    writeFileSync(join(tmp, ".complete"), "");
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process finished the same build first: use theirs.
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, built: true };
}
