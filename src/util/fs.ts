import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync, statSync, accessSync, constants } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";
import { TritforgeError } from "./errors.js";

/** Writes a file atomically: a temporary sibling is written, then renamed over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  ensureWritableDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new TritforgeError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

/** Creates the folder (and parents) or throws a one-line error if it cannot be written. */
export function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new TritforgeError(`output folder ${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!statSync(dir).isDirectory()) throw new TritforgeError(`${dir} is not a folder`);
}

/**
 * Builds a folder completely in a temporary sibling and only then moves it into place, replacing
 * an earlier version. If `build` throws, nothing is left behind and any earlier folder is intact.
 */
export async function writeDirAtomic(target: string, build: (tmpDir: string) => Promise<void> | void): Promise<void> {
  const abs = resolve(target);
  const parent = dirname(abs);
  ensureWritableDir(parent);
  const tmp = mkdtempSync(join(parent, `.${basename(abs)}.tmp-`));
  try {
    await build(tmp);
    const old = existsSync(abs) ? `${tmp}.old` : undefined;
    if (old) renameSync(abs, old);
    renameSync(tmp, abs);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
