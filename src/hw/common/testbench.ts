/**
 * The architecture-agnostic testbench: everything it needs comes from the bundle contract's
 * AXI-Stream interface (port names, widths, beats per inference, reset polarity).
 */
import type { ManifestInterface } from "../bundle/manifest.js";

/** Port declarations of the top module, aligned as the `axis-ports` partial prints them. */
export function portDecls(iface: ManifestInterface): Array<{ decl: string }> {
  return iface.ports.map((p) => ({
    decl: `${p.direction === "input" ? "input " : "output"} wire ${p.width === 1 ? " ".repeat(19) : `[${p.width}-1:0]`} ${p.name}`,
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
    outBeats: iface.output.beats,
    lastBeat: iface.output.beats - 1,
  };
}
