/**
 * Vendor files of a bundle: the IP-XACT component.xml (the bundle as a Vivado IP), a Vivado
 * non-project build script with its clock XDC, and a Quartus .qsf/.sdc pair. Every value is
 * computed here; the templates paste them. None of these tools runs on this machine: the files
 * are checked for structure (the XML parses, every RTL port is in a bus interface, the scripts name
 * only files of the bundle), not by Vivado or Quartus.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { templateSet } from "../hw/common/render.js";
import { busInterfaces, type VendorDesign } from "./buses.js";

const render = templateSet(join(dirname(fileURLToPath(import.meta.url)), "templates"));

export interface VendorOptions {
  toolVersion: string;
  /** Clock the XDC/SDC constrain to, MHz (a starting point, not a measured Fmax). */
  clockMHz?: number;
  /** Default Xilinx part of the Vivado script. */
  xilinxPart?: string;
  quartus?: { family: string; device: string };
  /** The RTL parameter holding the ROM folder, and the value Quartus needs (ROMs are read relative to its project folder). */
  memDirParam?: string;
}

export const VENDOR_FILES = {
  component: "component.xml",
  tcl: "vivado/build.tcl",
  xdc: (top: string) => `vivado/${top}.xdc`,
  qsf: (top: string) => `quartus/${top}.qsf`,
  sdc: (top: string) => `quartus/${top}.sdc`,
};

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Every vendor file as [path relative to the bundle root, content]. */
export function renderVendorFiles(d: VendorDesign, o: VendorOptions): Array<[string, string]> {
  const clockMHz = o.clockMHz ?? 100;
  const periodNs = (1000 / clockMHz).toFixed(3);
  const xdc = VENDOR_FILES.xdc(d.top);
  const quartus = o.quartus ?? { family: "Cyclone V", device: "5CSEMA5F31C6" };
  const base = { toolVersion: o.toolVersion, top: d.top, clock: d.clock, clockMHz, periodNs, rtl: d.rtl, mem: d.mem };
  return [
    [
      VENDOR_FILES.component,
      render("component.xml", {
        ...base,
        ipVersion: "1.0",
        description: xmlEscape(`${d.name}: tritforge ternary/M-level accelerator, AXI4-Stream in and out`),
        buses: busInterfaces(d),
        ports: d.ports.map((p) => ({ name: p.name, dir: p.direction === "input" ? "in" : "out", vector: p.width > 1, left: p.width - 1 })),
      }),
    ],
    [VENDOR_FILES.tcl, render("vivado-build.tcl", { ...base, xdc, defaultPart: o.xilinxPart ?? "xc7a35tcpg236-1" })],
    [xdc, render("xdc", base)],
    [VENDOR_FILES.qsf(d.top), render("qsf", { ...base, family: quartus.family, device: quartus.device, memDir: o.memDirParam ? { param: o.memDirParam, value: "../mem/" } : null })],
    [VENDOR_FILES.sdc(d.top), render("sdc", base)],
  ];
}
