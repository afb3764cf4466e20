/**
 * The architecture-agnostic testbench and the top module's port list: everything comes from the
 * bundle contract's AXI-Stream interface (port names, widths, beats per inference, reset polarity).
 */
import type { ManifestInterface } from "../bundle/manifest.js";
import { busInterfaces, type VendorDesign } from "../../vendor/buses.js";

/** The interface as the vendor bus map reads it (no file lists: only ports and roles). */
const busView = (iface: ManifestInterface): VendorDesign => ({
  name: "",
  top: "top",
  rtl: [],
  mem: [],
  clock: iface.clock,
  reset: iface.reset,
  inputPrefix: iface.input.prefix,
  outputPrefix: iface.output.prefix,
  status: iface.status ? [iface.status] : [],
  ports: iface.ports,
});

/**
 * Port declarations of the top module with the X_INTERFACE_INFO / X_INTERFACE_PARAMETER attributes
 * Vivado's IP integrator infers the buses, clock and reset from (the same bus map as component.xml).
 */
export function portDecls(iface: ManifestInterface): Array<{ decl: string; attrs: string[] }> {
  const attrs = new Map<string, string[]>();
  for (const bus of busInterfaces(busView(iface))) {
    const t = bus.busType;
    bus.ports.forEach((p, i) => {
      const a = [`X_INTERFACE_INFO = "${t.vendor}:${t.library}:${t.name}:${t.version} ${bus.name} ${p.logical}"`];
      if (i === 0 && bus.parameters.length) a.push(`X_INTERFACE_PARAMETER = "${bus.parameters.map((x) => `${x.name} ${x.value}`).join(", ")}"`);
      attrs.set(p.name, a);
    });
  }
  return iface.ports.map((p) => ({
    decl: `${p.direction === "input" ? "input " : "output"} wire ${p.width === 1 ? " ".repeat(19) : `[${p.width}-1:0]`} ${p.name}`,
    attrs: attrs.get(p.name) ?? [],
  }));
}

export function testbenchView(top: string, iface: ManifestInterface, toolVersion: string) {
  const lowActive = iface.reset.activeLow;
  return {
    toolVersion,
    top,
    clockPort: iface.clock,
    resetPort: iface.reset.port,
    resetOn: lowActive ? "1'b0" : "1'b1",
    resetOff: lowActive ? "1'b1" : "1'b0",
    inPrefix: iface.input.prefix,
    outPrefix: iface.output.prefix,
    inBits: iface.input.tdataBits,
    inBeats: iface.input.beats,
    inTlast: iface.input.tlast,
    outBits: iface.output.tdataBits,
    userBits: iface.output.tuserBits,
    classBits: iface.output.classBits ?? iface.output.tuserBits,
    statusPort: iface.status ?? null,
    statusName: iface.status ?? "status",
    outBeats: iface.output.beats,
    lastBeat: iface.output.beats - 1,
  };
}

/** Path of the protocol-checker testbench in a bundle (written for every bundle with tlast and a status port). */
export const protocolTestbenchFile = (top: string): string => `tb/${top}_protocol_tb.v`;
