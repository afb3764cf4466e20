/**
 * The bundle contract: a manifest that fails the schema, or a network.json that disagrees with it,
 * is refused with one line naming the field (also through `npm run sim`: no stack traces on empty
 * or truncated manifests).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest, ManifestSchema } from "../src/hw/bundle/manifest.js";
import { generateBundle } from "../src/hw/registry.js";
import { randomDenseNetwork } from "../src/ir/random.js";
import { loadBundle } from "../src/sim/bundle.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-contract-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const good = join(work, "good");
const net = randomDenseNetwork({ name: "contract_net", seed: 9, sizes: [6, 5, 3] });
beforeAll(async () => {
  await generateBundle(net, good, "mac-array", { lanes: 2 });
});

/** A copy of the good bundle with manifest.json / network.json edited. */
function variant(name: string, edit: { manifest?: (m: Record<string, any>) => void; manifestText?: string; network?: (n: Record<string, any>) => void }): string {
  const dir = join(work, name);
  cpSync(good, dir, { recursive: true });
  if (edit.manifestText !== undefined) writeFileSync(join(dir, "manifest.json"), edit.manifestText);
  if (edit.manifest) {
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, any>;
    edit.manifest(m);
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(m, null, 2) + "\n");
  }
  if (edit.network) {
    const n = JSON.parse(readFileSync(join(dir, "network.json"), "utf8")) as Record<string, any>;
    edit.network(n);
    writeFileSync(join(dir, "network.json"), JSON.stringify(n, null, 1) + "\n");
  }
  return dir;
}

function simCli(dir: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/sim.ts", dir, "--vectors", "2"], { encoding: "utf8" });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe("the manifest schema", () => {
  it("accepts what the generator writes, and the schema is strict", () => {
    const m = loadManifest(good);
    expect(m.arch).toEqual({ id: "mac-array", params: { lanes: 2 } });
    expect(m.timing.latency).toBeGreaterThan(0);
    expect(ManifestSchema.safeParse({ ...m, extra: 1 }).success).toBe(false);
  });

  const cases: Array<{ name: string; edit: Parameters<typeof variant>[1]; message: RegExp }> = [
    { name: "empty manifest", edit: { manifestText: "" }, message: /manifest\.json is empty$/ },
    { name: "truncated manifest", edit: { manifestText: '{"format": "tritforge-hw", "version": 2, "na' }, message: /manifest\.json is not valid JSON/ },
    { name: "latency of the wrong type", edit: { manifest: (m) => (m.timing.latency = "fast") }, message: /manifest\.json: timing\.latency: / },
    { name: "memory depth zero", edit: { manifest: (m) => (m.memories[1].depth = 0) }, message: /manifest\.json: memories\[1\]\.depth: / },
    { name: "missing interval", edit: { manifest: (m) => delete m.timing.interval }, message: /manifest\.json: timing\.interval: / },
    { name: "unknown field", edit: { manifest: (m) => (m.cyclesPerInference = 3) }, message: /manifest\.json: Unrecognized key.*cyclesPerInference/ },
    { name: "an older bundle format", edit: { manifest: (m) => (m.version = 1) }, message: /manifest\.json: version: 1 is an older bundle format .* regenerate/ },
    { name: "network.json with another name", edit: { network: (n) => (n.name = "other_net") }, message: /manifest\.json: network\.name is "contract_net" but network\.json has "other_net"/ },
    { name: "network.json with other input bits", edit: { network: (n) => (n.input.bits = 7) }, message: /manifest\.json: network\.input\.bits is 8 but network\.json has 7/ },
    { name: "network.json with other provenance", edit: { network: (n) => (n.provenance.seed = 99) }, message: /manifest\.json: network\.provenance differs/ },
    {
      name: "network.json with other weights",
      edit: { network: (n) => (n.layers[0].weights[0] = n.layers[0].weights[0] === 1 ? -1 : 1) },
      message: /manifest\.json: network\.digest does not match network\.json/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with one line naming the field`, () => {
      const dir = variant(c.name.replace(/\W+/g, "_"), c.edit);
      expect(() => loadBundle(dir)).toThrow(c.message);
      const r = simCli(dir);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(c.message);
    });
  }
});
