/**
 * The AXI4-Stream interface every architecture exposes (bundle contract `interface`), in Vivado
 * block-design conventions: clock `aclk`, synchronous active-low `aresetn`, one input value per
 * beat on s_axis with tlast on each image's last beat, one logit per beat on m_axis with the class
 * (and a dropped-image flag above it) on tuser, tdata widths a multiple of 8 bits, a sticky
 * `framing_error` status output. The port list is what the `axis4-ports` partial declares, in the
 * same order; the `axis-input` partial implements the reset gating and the framing check.
 */
import type { ManifestInterface } from "../bundle/manifest.js";

export interface AxisOptions {
  inputBits: number;
  inputBeats: number;
  logitBits: number;
  classBits: number;
  classes: number;
}

/** The smallest multiple of 8 bits that holds `bits`. */
export const byteWidth = (bits: number): number => 8 * Math.ceil(bits / 8);

export const MEM_DIR_PARAM = "MEM_DIR";

/** The AXI4-Stream interface with aresetn, input tlast and framing check (the `axis4-ports` and `axis-input` partials; every architecture). */
export function axis4Interface(o: AxisOptions): ManifestInterface {
  const inW = byteWidth(o.inputBits);
  const outW = byteWidth(o.logitBits);
  return {
    clock: "aclk",
    reset: { port: "aresetn", activeLow: true },
    input: { prefix: "s_axis", tdataBits: inW, valueBits: o.inputBits, beats: o.inputBeats, tlast: true },
    output: { prefix: "m_axis", tdataBits: outW, valueBits: o.logitBits, tuserBits: o.classBits + 1, classBits: o.classBits, beats: o.classes },
    status: "framing_error",
    memDirParam: MEM_DIR_PARAM,
    ports: [
      { name: "aclk", direction: "input", width: 1 },
      { name: "aresetn", direction: "input", width: 1 },
      { name: "s_axis_tdata", direction: "input", width: inW },
      { name: "s_axis_tvalid", direction: "input", width: 1 },
      { name: "s_axis_tready", direction: "output", width: 1 },
      { name: "s_axis_tlast", direction: "input", width: 1 },
      { name: "m_axis_tdata", direction: "output", width: outW },
      { name: "m_axis_tuser", direction: "output", width: o.classBits + 1 },
      { name: "m_axis_tvalid", direction: "output", width: 1 },
      { name: "m_axis_tready", direction: "input", width: 1 },
      { name: "m_axis_tlast", direction: "output", width: 1 },
      { name: "framing_error", direction: "output", width: 1 },
    ],
  };
}
