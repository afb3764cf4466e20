/**
 * Output folders: gen-rtl and report replace only what they wrote. A user's file survives, the
 * checkout, the current folder and its ancestors are never targets, temporaries of killed runs are
 * cleaned, folders get the usual permissions. Every CLI here runs in a scratch folder (with its own
 * .git), so even a regression could only harm the scratch copy.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saveNetwork } from "../src/ir/io.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { cleanStaleTemporaries, forbiddenOutputReason, OWNER_MARKER, writeDirAtomic } from "../src/util/fs.js";

const REPO = resolve(".");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(join(tmpdir(), "tritforge-out-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const model = join(work, "m.json");
saveNetwork(randomDenseNetwork({ name: "out_net", seed: 1, sizes: [5, 4, 3] }), model);

/** Runs a CLI of this checkout with `cwd` as the working folder, under umask 022. */
function run(cli: string, args: string[], cwd: string) {
  const quoted = [process.execPath, "--import", TSX, join(REPO, "src", "cli", `${cli}.ts`), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const r = spawnSync("sh", ["-c", `umask 022 && exec ${quoted}`], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const genRtl = (out: string, cwd: string, ...more: string[]) => run("gen-rtl", ["--model", model, "--out", out, "--no-sim", ...more], cwd);

/** A scratch checkout: a .git folder, sources, and a user's file. */
function scratch(name: string): string {
  const d = join(work, name);
  mkdirSync(join(d, ".git"), { recursive: true });
  mkdirSync(join(d, "src", "rtl"), { recursive: true });
  writeFileSync(join(d, "src", "rtl", "plan.ts"), "source");
  writeFileSync(join(d, "keep.txt"), "keep");
  return d;
}
const intact = (d: string) => existsSync(join(d, ".git")) && readFileSync(join(d, "src", "rtl", "plan.ts"), "utf8") === "source" && readFileSync(join(d, "keep.txt"), "utf8") === "keep";

const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!;

describe("gen-rtl --out", () => {
  it("refuses a folder holding a user's file, which survives; --force replaces it", () => {
    const d = mkdtempSync(join(work, "user-"));
    writeFileSync(join(d, "mine.txt"), "keep");
    const r = genRtl(d, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing to replace .*: it is not a folder tritforge wrote .*--force.*\n$/);
    expect(readdirSync(d)).toEqual(["mine.txt"]);
    expect(readFileSync(join(d, "mine.txt"), "utf8")).toBe("keep");
    const f = genRtl(d, work, "--force");
    expect(f.code, f.stderr).toBe(0);
    expect(existsSync(join(d, "mine.txt"))).toBe(false);
    expect(existsSync(join(d, OWNER_MARKER))).toBe(true);
  });

  it("replaces its own bundle, but not once a user has added a file to it", () => {
    const d = join(work, "own");
    expect(genRtl(d, work).code).toBe(0);
    expect(genRtl(d, work).code).toBe(0);
    writeFileSync(join(d, "rtl", "notes.v"), "// mine");
    const r = genRtl(d, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/it holds rtl\/notes\.v, which tritforge did not write/);
    expect(readFileSync(join(d, "rtl", "notes.v"), "utf8")).toBe("// mine");
  });

  it("replaces a bundle written before markers existed (its manifest lists its files), but not with a user's file in it", () => {
    const d = join(work, "legacy");
    expect(genRtl(d, work).code).toBe(0);
    rmSync(join(d, OWNER_MARKER));
    expect(genRtl(d, work).code).toBe(0);
    rmSync(join(d, OWNER_MARKER));
    writeFileSync(join(d, "mine.txt"), "keep");
    expect(genRtl(d, work).stderr).toMatch(/it holds mine\.txt, which tritforge did not write/);
  });

  for (const [what, out, cwdSub] of [
    ["an empty path", "", ""],
    ["the current folder", ".", ""],
    ["the file system root", "/", ""],
    ["the repository root (from below)", "..", "sub"],
    ["a folder containing the current folder", "../..", "a/b"],
    ["a source folder", "src/rtl", ""],
  ] as const)
    it(`refuses ${what} with one line, changing nothing`, () => {
      const d = scratch(`refuse-${what.replace(/\W+/g, "_")}`);
      const cwd = join(d, cwdSub);
      mkdirSync(cwd, { recursive: true });
      const r = genRtl(out, cwd);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: refusing to (write into|replace) /);
      expect(intact(d)).toBe(true);
      expect(readdirSync(d).sort()).toEqual([".git", "keep.txt", "src", ...(cwdSub ? [cwdSub.split("/")[0]!] : [])].sort());
      expect(existsSync("/" + OWNER_MARKER)).toBe(false);
    });

  it("never takes this checkout or its sources, even with --force", () => {
    expect(forbiddenOutputReason(REPO)).toMatch(/current folder|repository root|own checkout/);
    expect(forbiddenOutputReason(join(REPO, "src", "rtl"))).toMatch(/own sources/);
    expect(forbiddenOutputReason(join(REPO, "templates"))).toMatch(/own sources/);
    expect(forbiddenOutputReason(join(REPO, "hw", "x"))).toBeNull();
  });

  it("cleans the temporaries of a killed run and writes folders 0755 under umask 022", () => {
    const d = join(work, "modes");
    mkdirSync(d);
    const stale = [`.bundle.tmp-${deadPid()}-0badc0de`, ".bundle.tmp-Ab12Cd", `.bundle.tmp-${deadPid()}-00aa.old`];
    for (const s of stale) mkdirSync(join(d, s, "rtl"), { recursive: true });
    const live = `.bundle.tmp-${process.pid}-feed`;
    mkdirSync(join(d, live));
    expect(genRtl("bundle", d).code).toBe(0);
    expect(readdirSync(d).sort()).toEqual([live, "bundle"].sort());
    for (const sub of ["", "rtl", "mem", "tb"]) expect((statSync(join(d, "bundle", sub)).mode & 0o777).toString(8)).toBe("755");
    expect((statSync(join(d, "bundle", "manifest.json")).mode & 0o777).toString(8)).toBe("644");
  });

  it("puts the previous folder back when a run was killed between moving it aside and moving the new one in", () => {
    const d = join(work, "swap");
    const old = join(d, `.b.tmp-${deadPid()}-0001.old`);
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, "x"), "previous");
    expect(cleanStaleTemporaries(join(d, "b"))).toHaveLength(1);
    expect(readFileSync(join(d, "b", "x"), "utf8")).toBe("previous");
  });

  it("leaves nothing behind when the build fails, and the previous folder intact", async () => {
    const d = join(work, "fail");
    await writeDirAtomic(d, (tmp) => writeFileSync(join(tmp, "a"), "1"));
    await expect(writeDirAtomic(d, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(readdirSync(d).sort()).toEqual([OWNER_MARKER, "a"]);
    expect(readdirSync(work).filter((n) => n.startsWith(".fail"))).toEqual([]);
  });
});

describe("report --out", () => {
  it("refuses a folder holding a user's file before reading any store", () => {
    const d = mkdtempSync(join(work, "report-"));
    writeFileSync(join(d, "mine.txt"), "keep");
    const r = run("report", ["--store", join(work, "none.jsonl"), "--out", d], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing to replace .*not a folder tritforge wrote/);
    expect(readFileSync(join(d, "mine.txt"), "utf8")).toBe("keep");
  });

  it("refuses the current folder", () => {
    const d = scratch("report-dot");
    const r = run("report", ["--out", "."], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing to write into "\.": it is the current folder/);
    expect(intact(d)).toBe(true);
  });
});
