/** The testbench's header comment describes exactly the lines it writes (console and +outputs file). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateBundle } from "../src/hw/registry.js";
import { randomDenseNetwork } from "../src/ir/random.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-tb-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("testbench header", () => {
  it("names every console line and the +outputs line format the testbench writes", async () => {
    const { manifest } = await generateBundle(randomDenseNetwork({ name: "tbh", seed: 1, sizes: [5, 4, 3] }), join(work, "b"), "mac-array", { lanes: 2 });
    const tb = readFileSync(join(work, "b", manifest.files.testbench), "utf8");
    const header = tb.split("\n").filter((l) => l.startsWith("//")).join("\n");
    const code = tb.split("\n").filter((l) => !l.trimStart().startsWith("//")).join("\n");
    const consoleWords = new Set([...code.matchAll(/\$display\("([A-Z_]+)/g)].map((m) => m[1]!));
    expect([...consoleWords].sort()).toEqual(["AXI_VIOLATION", "DONE", "ERROR", "TIMEOUT"]);
    for (const w of consoleWords) expect(header).toContain(w);
    // The record line: logits separated by spaces, then " | " and four numbers (the class is tuser's
    // low bits; the bit above them flags a dropped input image), as the header shows.
    const record = /\$fwrite\(fd_out, " \| %0d %0d %0d %0d\\n", out_vec, m_tuser\[\d+-1:0\], cycle - vec_start\[[^\]]+\] \+ 1, vec_start\[[^\]]+\]\)/;
    expect(code).toMatch(record);
    expect(header).toContain(`<logit 0> ... <logit ${manifest.interface.output.beats - 1}> | <vector> <class> <latency> <start>`);
  });
});
