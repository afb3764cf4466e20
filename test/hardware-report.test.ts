import { describe, expect, it } from "vitest";
import { compareArchitectures, perKLut, type ParetoPoint } from "../src/report/hardware.js";

const pt = (arch: string, source: ParetoPoint["source"], label: string, lut: number, interval: number, network = "n"): ParetoPoint => ({ network, arch, source, label, lut, interval, inferencesPerCycle: 1 / interval });

describe("compareArchitectures", () => {
  const mac = pt("mac-array", "yosys", "P=16", 1000, 12000);
  const points = [
    mac,
    pt("dataflow", "yosys", "a", 2000, 3000), // 4x faster: not >= 6x
    pt("dataflow", "yosys", "b", 2500, 2000), // 6x faster, 2.5x LUT
    pt("dataflow", "yosys", "c", 9000, 100), // best efficiency: 1000 / (100 * 9000)
    pt("dataflow", "analytic", "d", 10, 10), // analytic points never count
    pt("dataflow", "yosys", "e", 10, 10, "other"), // another network
  ];
  it("picks the most efficient measured design and the smallest one at least 6x faster", () => {
    const c = compareArchitectures(points, mac)!;
    expect(perKLut(mac)).toBeCloseTo(1 / 12000, 12);
    expect(c.best.label).toBe("c");
    expect(c.efficiency).toBeCloseTo((12000 * 1000) / (100 * 9000), 9);
    expect(c.fast?.label).toBe("b");
    expect(c.lutRatio).toBe(2.5);
    expect(c.speedup).toBe(6);
  });
  it("says when no measured design exists or none is 6x faster", () => {
    expect(compareArchitectures(points.filter((p) => p.network !== "n" || p.arch !== "dataflow"), mac)).toBeNull();
    const c = compareArchitectures([mac, pt("dataflow", "yosys", "a", 2000, 3000)], mac)!;
    expect(c.fast).toBeNull();
    expect(c.lutRatio).toBeNull();
  });
});
