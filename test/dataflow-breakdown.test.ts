import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomDenseNetwork } from "../src/ir/random.js";
import { generateBundle } from "../src/hw/registry.js";
import { breakdownScript, breakdownTable, sectionLabels, summarizeBreakdown } from "../src/hw/dataflow/breakdown.js";

const work = mkdtempSync(join(tmpdir(), "tritforge-dfbreak-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("dataflow LUT breakdown", () => {
  it("labels every line of the top module by its section", async () => {
    const net = randomDenseNetwork({ name: "brk", seed: 3, sizes: [12, 6, 4], levels: 3 });
    const { manifest } = await generateBundle(net, join(work, "brk"), "dataflow", { fold: { inputPerBeat: 1, layers: [{ pe: 2, simd: 4 }, { pe: 1, simd: 2 }] } });
    const lines = readFileSync(join(work, "brk", "rtl", `${manifest.top}.v`), "utf8").split("\n");
    const labels = sectionLabels(lines);
    expect(labels).toHaveLength(lines.length);
    const at = (re: RegExp) => labels[lines.findIndex((l) => re.test(l))];
    expect(at(/^module /)).toBe("io");
    expect(at(/reg\s+\[\d+-1:0\]\s+buf_l1 \[/)).toBe("buf_l1");
    expect(at(/reg\s+\[\d+-1:0\]\s+nf_l0;/)).toBe("ctl_l0");
    expect(at(/wq_l1_pe0 <= wrom_l1_pe0/)).toBe("rom_l1");
    expect(at(/reg  signed \[\d+-1:0\] acc;/)).toBe("pe_l0");
    expect(at(/reg\s+v2_l1;/)).toBe("pe_l1");
    expect(at(/u_rq_n\d+_l0/)).toBe("rq_l0");
    expect(at(/reg\s+dv_l0;/)).toBe("drain_l0");
    expect(at(/obuf \[/)).toBe("io");
    const script = breakdownScript(manifest.top, manifest.files.rtl, `rtl/${manifest.top}.v`, labels);
    expect(script).toContain(`setattr -set submod "\\"pe_l0\\"" ${manifest.top}/a:src=*${manifest.top}.v:${lines.findIndex((l) => /reg  signed \[\d+-1:0\] acc;/.test(l)) + 1}.*`);
    expect(script).toMatch(/\nsubmod\n[\s\S]*synth_xilinx -top brk_dataflow -family xc7\ntee -q -o stat.json stat -json\n$/);
    expect(() => breakdownScript("a b", [], "x.v", [])).toThrow(/not a plain identifier/);
  });

  it("sums a part's cells over the modules it instantiates", () => {
    const modules = {
      "\\top": { num_cells_by_type: { LUT3: 2, 'top_\\"pe_l0\\"': 1, 'top_\\"rq_l0\\"': 1, 'top_\\"buf_l0\\"': 1 } },
      '\\top_\\"pe_l0\\"': { num_cells_by_type: { LUT3: 10, FDRE: 10, CARRY4: 3, top_l0_pair: 4, "$paramod\\top_add\\W=s32'00000000000000000000000000001011": 2 } },
      '\\top_\\"rq_l0\\"': { num_cells_by_type: { LUT2: 1, "$paramod\\top_add\\W=s32'00000000000000000000000000001011": 3 } },
      '\\top_\\"buf_l0\\"': { num_cells_by_type: { RAM32M: 2, RAMB18E1: 1, FDRE: 5 } },
      "\\top_l0_pair": { num_cells_by_type: { LUT6: 8, LUT3: 9, CARRY4: 3 } },
      "$paramod\\top_add\\W=s32'00000000000000000000000000001011": { num_cells_by_type: { LUT2: 11, CARRY4: 3 } },
    };
    const parts = summarizeBreakdown(modules, "top");
    expect(parts.get("glue")).toEqual({ lut: 2, lutramLuts: 0, ff: 0, carry4: 0, bram36: 0 });
    expect(parts.get("pe")).toEqual({ lut: 10, lutramLuts: 0, ff: 10, carry4: 3, bram36: 0 });
    expect(parts.get("lanes")).toEqual({ lut: 68, lutramLuts: 0, ff: 0, carry4: 12, bram36: 0 });
    expect(parts.get("tree")).toEqual({ lut: 22, lutramLuts: 0, ff: 0, carry4: 6, bram36: 0 });
    expect(parts.get("rq")).toEqual({ lut: 34, lutramLuts: 0, ff: 0, carry4: 9, bram36: 0 });
    expect(parts.get("buf")).toEqual({ lut: 0, lutramLuts: 8, ff: 5, carry4: 0, bram36: 0.5 });
    const table = breakdownTable(parts);
    expect(table).toContain("| lanes + level-1 adders (pair/lane modules) | 68 | 50.0 | 0 | 0 | 12 | 0 |");
    expect(table.split("\n").pop()).toBe("| total (partitioned synthesis) | 136 | 100 | 8 | 15 | 30 | 0.5 |");
  });
});
