/**
 * Child-process entry that runs the WebAssembly Yosys (@yowasp/yosys) on a work folder:
 *   node --import tsx src/cost/yosys-wasm-runner.ts DIR SCRIPT OUTPUT...
 * Every file under DIR is placed in Yosys's virtual file system at the same relative path; the
 * script runs with that folder as its working directory; the named outputs are written back to DIR.
 * Running Yosys in its own process lets the caller enforce a timeout by killing it.
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

type Tree = { [name: string]: Tree | string | Uint8Array };

function readTree(dir: string): Tree {
  const tree: Tree = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    tree[name] = statSync(p).isDirectory() ? readTree(p) : readFileSync(p);
  }
  return tree;
}

function lookup(tree: Tree, path: string): string | Uint8Array | undefined {
  let node: Tree | string | Uint8Array | undefined = tree;
  for (const part of path.split("/")) {
    if (node === undefined || typeof node === "string" || node instanceof Uint8Array) return undefined;
    node = node[part];
  }
  return typeof node === "string" || node instanceof Uint8Array ? node : undefined;
}

async function main(): Promise<void> {
  const [dir, script, ...outputs] = process.argv.slice(2);
  if (!dir || !script) throw new Error("usage: yosys-wasm-runner DIR SCRIPT OUTPUT...");
  const { runYosys } = await import("@yowasp/yosys");
  const write = (stream: NodeJS.WriteStream) => (bytes: Uint8Array | null) => {
    if (bytes) stream.write(bytes);
  };
  let files: Tree;
  try {
    files = ((await runYosys(["-q", "-s", script], readTree(dir), { stdout: write(process.stdout), stderr: write(process.stderr) })) ?? {}) as Tree;
  } catch (err) {
    const code = (err as { code?: number }).code;
    process.stderr.write(`yosys exited with code ${code ?? "?"}: ${(err as Error).message}\n`);
    process.exit(typeof code === "number" && code !== 0 ? code : 1);
  }
  for (const out of outputs) {
    const data = lookup(files, out);
    if (data === undefined) continue;
    mkdirSync(dirname(join(dir, out)), { recursive: true });
    writeFileSync(join(dir, out), data);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
