/**
 * The AXI4-Stream interface every architecture exposes (bundle contract `interface`): one input
 * value per beat on s_axis, one logit per beat on m_axis with the class on tuser. The port list is
 * what the `axis-ports` partial declares, in the same order.
 */
import type { ManifestInterface } from "../bundle/manifest.js";

export interface AxisOptions {
  inputBits: number;
  inputBeats: number;
  logitBits: number;
  classBits: number;
  classes: number;
}

export function axisInterface(o: AxisOptions): ManifestInterface {
  return {
    clock: "clk",
    reset: { port: "rst", activeLow: false },
    input: { prefix: "s_axis", tdataBits: o.inputBits, valueBits: o.inputBits, beats: o.inputBeats, tlast: false },
    output: { prefix: "m_axis", tdataBits: o.logitBits, tuserBits: o.classBits, beats: o.classes },
    ports: [
      { name: "clk", direction: "input", width: 1 },
      { name: "rst", direction: "input", width: 1 },
      { name: "s_axis_tdata", direction: "input", width: o.inputBits },
      { name: "s_axis_tvalid", direction: "input", width: 1 },
      { name: "s_axis_tready", direction: "output", width: 1 },
      { name: "m_axis_tdata", direction: "output", width: o.logitBits },
      { name: "m_axis_tuser", direction: "output", width: o.classBits },
      { name: "m_axis_tvalid", direction: "output", width: 1 },
      { name: "m_axis_tready", direction: "input", width: 1 },
      { name: "m_axis_tlast", direction: "output", width: 1 },
    ],
  };
}
