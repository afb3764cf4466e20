/**
 * Writing files and folders safely: atomically (a temporary sibling renamed into place), and never
 * over anything this tool did not write. An output folder carries an ownership marker listing the
 * files it was written with; only such a folder (or an empty one) is replaced, unless forced.
 */
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, parse, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { TritforgeError } from "./errors.js";
import { processAlive } from "./process.js";

/** The file an output folder written by writeDirAtomic carries: the files it was written with. */
export const OWNER_MARKER = ".tritforge-owned";

/** The checkout this tool runs from: its root and source folders are never output folders. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PACKAGE_SOURCES = ["src", "templates", "test", "bench", "scripts", "node_modules", ".git"];

const errCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** Data of writeFileAtomic: a string, bytes, or pieces of text written one after another (streamed). */
export type FileData = string | Uint8Array | Iterable<string>;

/** Writes a file atomically: a temporary sibling is written and flushed, then renamed over the target. */
export function writeFileAtomic(path: string, data: FileData): void {
  const dir = dirname(resolve(path));
  ensureWritableDir(dir);
  if (existsSync(path) && statSync(path).isDirectory()) throw new TritforgeError(`cannot write ${path}: it is a folder`);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      if (typeof data === "string") writeSync(fd, data);
      else if (data instanceof Uint8Array) writeSync(fd, data);
      else for (const piece of data) writeSync(fd, piece);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    if (err instanceof TritforgeError) throw err;
    throw new TritforgeError(`cannot write ${path}: ${errCode(err)}`);
  }
}

/** Creates the folder (and parents) or throws a one-line error if it cannot be written. */
export function ensureWritableDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new TritforgeError(`${dir} is not a folder`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new TritforgeError(`output folder ${dir} is not writable: ${errCode(err)}`);
  }
}

const realOrResolved = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};
const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * Why `target` can never be an output folder to replace (null when it can): the empty path, a file
 * system root, the current folder or any folder above it, a repository root, and this tool's own
 * checkout and source folders.
 */
export function forbiddenOutputReason(target: string): string | null {
  if (target.trim() === "") return "an empty path";
  const abs = realOrResolved(target);
  if (parse(abs).root === abs) return "a file system root";
  if (within(realOrResolved(process.cwd()), abs)) return "the current folder or a folder containing it";
  if (existsSync(join(abs, ".git"))) return "a repository root";
  const root = realOrResolved(PACKAGE_ROOT);
  if (within(root, abs)) return "tritforge's own checkout or a folder containing it";
  if (within(abs, root) && PACKAGE_SOURCES.includes(relative(root, abs).split(sep)[0]!)) return "part of tritforge's own sources";
  return null;
}

/** Files (not folders) under `dir`, as sorted relative paths with "/" separators. */
function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

function ownedFiles(dir: string): Set<string> | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, OWNER_MARKER), "utf8")) as { writtenBy?: unknown; files?: unknown };
    if (m.writtenBy !== "tritforge" || !Array.isArray(m.files) || !m.files.every((f) => typeof f === "string")) return null;
    return new Set([...(m.files as string[]), OWNER_MARKER]);
  } catch {
    return null;
  }
}

/**
 * Throws unless `abs` may be replaced: it does not exist, is an empty folder, or is a folder whose
 * marker (with the markers of sub-folders tritforge wrote, and the files `declared` names) lists
 * every file it holds (so nothing in it was put there by someone else).
 */
function checkReplaceable(abs: string, shown: string, declared?: (dir: string) => string[]): void {
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return;
  }
  const hint = "(choose another --out, or pass --force to replace it anyway)";
  if (!st.isDirectory()) throw new TritforgeError(`refusing to replace ${shown}: it exists and is not a folder ${hint}`);
  const files = listFiles(abs);
  if (files.length === 0) return;
  const marked = ownedFiles(abs);
  const listed = declared?.(abs) ?? [];
  const owned = marked ?? (listed.length ? new Set(listed) : null);
  for (const f of listed) owned?.add(f);
  // Sub-folders written by tritforge on their own (e.g. a bundle's board/NAME/) carry their own marker.
  for (const f of files.filter((x) => x.endsWith(`/${OWNER_MARKER}`))) {
    const sub = f.slice(0, -OWNER_MARKER.length - 1);
    for (const g of ownedFiles(join(abs, sub)) ?? []) owned?.add(`${sub}/${g}`);
  }
  if (!owned) throw new TritforgeError(`refusing to replace ${shown}: it is not a folder tritforge wrote (no ${OWNER_MARKER}) ${hint}`);
  const foreign = files.find((f) => !owned.has(f));
  if (foreign) throw new TritforgeError(`refusing to replace ${shown}: it holds ${foreign}, which tritforge did not write ${hint}`);
}

const TMP_TAG = ".tmp-";

/**
 * Removes the temporary folders of earlier runs on `abs` that were killed: `.NAME.tmp-PID-XXXX`
 * (and `.old`) whose process is gone, and the pid-less `.NAME.tmp-XXXXXX` of older versions. A
 * `.old` copy is moved back when the kill came between moving it aside and moving the new one in.
 */
export function cleanStaleTemporaries(abs: string): string[] {
  const parent = dirname(abs);
  const prefix = `.${basename(abs)}${TMP_TAG}`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return removed;
  }
  for (const name of names.sort((a, b) => Number(b.endsWith(".old")) - Number(a.endsWith(".old")))) {
    const m = /^(?:(\d+)-[0-9a-f]+|[A-Za-z0-9]{6})(\.old)?$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = m[1] ? Number(m[1]) : null;
    if (pid !== null && (pid === process.pid || processAlive(pid))) continue;
    const path = join(parent, name);
    if (m[2] && !existsSync(abs)) renameSync(path, abs);
    else rmSync(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface DirWriteOptions {
  /** Replace the target even if this tool did not write it (never the folders forbiddenOutputReason names). */
  force?: boolean;
  /** Files an existing folder declares as written by this tool (e.g. a bundle's manifest), besides its marker. */
  declaredFiles?: (dir: string) => string[];
}

/** Throws a one-line error unless writeDirAtomic(target) would be allowed to write (checked before any work). */
export function checkOutputDir(target: string, o: DirWriteOptions = {}): void {
  const why = forbiddenOutputReason(target);
  if (why) throw new TritforgeError(`refusing to write into "${target}": it is ${why}`);
  if (!o.force) checkReplaceable(resolve(target), target, o.declaredFiles);
}

/**
 * Builds a folder completely in a temporary sibling and only then moves it into place, replacing
 * an earlier version this tool wrote (see checkOutputDir). If `build` throws, nothing is left behind
 * and any earlier folder is intact. The folder gets an ownership marker listing its files, and the
 * usual permissions (0777 less the umask).
 */
export async function writeDirAtomic(target: string, build: (tmpDir: string) => Promise<void> | void, o: DirWriteOptions = {}): Promise<void> {
  checkOutputDir(target, o);
  const abs = resolve(target);
  const parent = dirname(abs);
  ensureWritableDir(parent);
  cleanStaleTemporaries(abs);
  const tmp = join(parent, `.${basename(abs)}${TMP_TAG}${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    mkdirSync(tmp);
    await build(tmp);
    const files = listFiles(tmp).filter((f) => f !== OWNER_MARKER);
    writeFileSync(join(tmp, OWNER_MARKER), JSON.stringify({ writtenBy: "tritforge", files }, null, 1) + "\n");
    if (!o.force) checkReplaceable(abs, target, o.declaredFiles);
    const old = lexists(abs) ? `${tmp}.old` : undefined;
    if (old) renameSync(abs, old);
    renameSync(tmp, abs);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    removeQuietly(tmp);
    if (err instanceof Error && !(err instanceof TritforgeError) && (err as NodeJS.ErrnoException).code)
      throw new TritforgeError(`cannot write ${target}: ${errCode(err)}`);
    throw err;
  }
}

/** Removes a temporary file or folder that may never have been created (or whose name was too long to create). */
function removeQuietly(p: string): void {
  try {
    rmSync(p, { recursive: true, force: true });
  } catch {
    /* nothing there to remove */
  }
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
