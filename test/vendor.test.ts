/**
 * Vendor files: component.xml parses as XML and maps every RTL port of the top module into a bus
 * interface (AXI4-Stream slave/master, clock, reset, status interrupt); the Vivado script, XDC and
 * Quartus files name only files that exist in the bundle; a port outside every bus is refused.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { busInterfaces, type VendorDesign } from "../src/vendor/buses.js";
import { renderVendorFiles } from "../src/vendor/render.js";
import { loadManifest } from "../src/hw/bundle/manifest.js";

const design: VendorDesign = {
  name: "net",
  top: "net_accel",
  rtl: ["rtl/net_accel.v"],
  mem: ["mem/net_w0.mem", "mem/net_b0.mem"],
  clock: "aclk",
  reset: { port: "aresetn", activeLow: true },
  inputPrefix: "s_axis",
  outputPrefix: "m_axis",
  status: ["framing_error"],
  ports: [
    { name: "aclk", direction: "input", width: 1 },
    { name: "aresetn", direction: "input", width: 1 },
    { name: "s_axis_tdata", direction: "input", width: 8 },
    { name: "s_axis_tvalid", direction: "input", width: 1 },
    { name: "s_axis_tready", direction: "output", width: 1 },
    { name: "s_axis_tlast", direction: "input", width: 1 },
    { name: "m_axis_tdata", direction: "output", width: 16 },
    { name: "m_axis_tuser", direction: "output", width: 8 },
    { name: "m_axis_tvalid", direction: "output", width: 1 },
    { name: "m_axis_tready", direction: "input", width: 1 },
    { name: "m_axis_tlast", direction: "output", width: 1 },
    { name: "framing_error", direction: "output", width: 1 },
  ],
};

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Parses component.xml and returns bus name -> [logical, physical] pairs, and the model's ports. */
export function readComponent(xml: string): { buses: Map<string, Array<[string, string]>>; ports: Array<{ name: string; direction: string; width: number }>; files: string[] } {
  const doc = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true }).parse(xml) as Record<string, any>;
  const c = doc.component;
  const buses = new Map<string, Array<[string, string]>>();
  for (const b of asArray(c.busInterfaces.busInterface)) {
    buses.set(String(b.name), asArray(b.portMaps.portMap).map((m: any) => [String(m.logicalPort.name), String(m.physicalPort.name)]));
  }
  const ports = asArray(c.model.ports.port).map((p: any) => ({ name: String(p.name), direction: String(p.wire.direction), width: p.wire.vector ? Number(p.wire.vector.left["#text"]) + 1 : 1 }));
  const files = asArray(c.fileSets.fileSet).flatMap((fs: any) => asArray(fs.file).map((f: any) => String(f.name)));
  return { buses, ports, files };
}

/** Bundle files a Vivado TCL script reads (read_verilog/read_mem/read_xdc with a literal path; `$pins` is the user's). */
export const tclReads = (tcl: string): string[] => [...tcl.matchAll(/^\s*read_(?:verilog|mem|xdc)\s+([^$\s]\S*)\s*$/gm)].map((m) => m[1]!);

describe("vendor files", () => {
  const files = new Map(renderVendorFiles(design, { toolVersion: "test" }));

  it("component.xml parses and puts every port of the top module in a bus interface", () => {
    const c = readComponent(files.get("component.xml")!);
    expect([...c.buses.keys()]).toEqual(["S_AXIS", "M_AXIS", "ARESETN", "ACLK", "FRAMING_ERROR"]);
    expect(c.buses.get("S_AXIS")).toEqual([["TDATA", "s_axis_tdata"], ["TVALID", "s_axis_tvalid"], ["TREADY", "s_axis_tready"], ["TLAST", "s_axis_tlast"]]);
    expect(c.buses.get("M_AXIS")!.map(([l]) => l)).toEqual(["TDATA", "TUSER", "TVALID", "TREADY", "TLAST"]);
    const mapped = [...c.buses.values()].flatMap((pairs) => pairs.map(([, p]) => p)).sort();
    expect(mapped).toEqual(design.ports.map((p) => p.name).sort());
    expect(c.ports).toEqual(design.ports.map((p) => ({ name: p.name, direction: p.direction === "input" ? "in" : "out", width: p.width })));
    expect(c.files).toEqual([...design.rtl, ...design.mem]);
  });

  it("the Vivado script reads the bundle's sources, ROM images and XDC; the XDC constrains the clock port", () => {
    const tcl = files.get("vivado/build.tcl")!;
    expect(tclReads(tcl)).toEqual([...design.rtl, ...design.mem, "vivado/net_accel.xdc"]);
    expect(files.get("vivado/net_accel.xdc")).toContain("create_clock -period 10.000 -name aclk [get_ports aclk]");
    expect(files.get("quartus/net_accel.sdc")).toContain("create_clock -period 10.000 -name aclk [get_ports aclk]");
    expect(files.get("quartus/net_accel.qsf")).toContain("set_global_assignment -name VERILOG_FILE ../rtl/net_accel.v");
  });

  it("refuses a port that belongs to no bus interface", () => {
    expect(() => busInterfaces({ ...design, ports: [...design.ports, { name: "debug", direction: "output", width: 4 }] })).toThrow(/port debug of net_accel belongs to no bus interface/);
  });
});

describe.each(["hw/mnist_ternary_32", "hw/fashion_ternary_256x3", "hw/fashion_ternary_cnn_16_16_32"])("vendor files of the committed bundle %s", (bundle) => {
  const manifest = loadManifest(bundle);
  it("component.xml names every RTL port in a bus interface and lists the bundle's files", () => {
    const c = readComponent(readFileSync(join(bundle, "component.xml"), "utf8"));
    const mapped = [...c.buses.values()].flatMap((pairs) => pairs.map(([, p]) => p)).sort();
    expect(mapped).toEqual(manifest.interface.ports.map((p) => p.name).sort());
    expect(c.ports.map((p) => p.name)).toEqual(manifest.interface.ports.map((p) => p.name));
    for (const f of c.files) expect(existsSync(join(bundle, f)), f).toBe(true);
  });
  it("the TCL and XDC reference only files and ports that exist", () => {
    const tcl = readFileSync(join(bundle, "vivado", "build.tcl"), "utf8");
    const reads = tclReads(tcl);
    expect(reads.length).toBe(manifest.files.rtl.length + manifest.files.mem.length + 1);
    for (const f of reads) expect(existsSync(join(bundle, f)), f).toBe(true);
    const xdc = readFileSync(join(bundle, "vivado", `${manifest.top}.xdc`), "utf8");
    const ports = [...xdc.matchAll(/get_ports (\w+)/g)].map((m) => m[1]);
    expect(ports).toEqual([manifest.interface.clock]);
    const qsf = readFileSync(join(bundle, "quartus", `${manifest.top}.qsf`), "utf8");
    for (const m of qsf.matchAll(/VERILOG_FILE (\S+)/g)) expect(existsSync(join(bundle, "quartus", m[1]!)), m[1]).toBe(true);
  });
});
