/** The vendor-file view of a bundle manifest (bundle contract v2). */
import type { Manifest } from "../hw/bundle/manifest.js";
import type { VendorDesign } from "./buses.js";

export function vendorDesign(m: Manifest): VendorDesign {
  const i = m.interface;
  return {
    name: m.name,
    top: m.top,
    rtl: m.files.rtl,
    mem: m.files.mem,
    clock: i.clock,
    reset: i.reset,
    inputPrefix: i.input.prefix,
    outputPrefix: i.output.prefix,
    status: i.status ? [i.status] : [],
    ports: i.ports,
  };
}
