/**
 * Vendor-tool view of a bundle's top module: which bus interface every port belongs to
 * (AXI4-Stream slave and master, clock, reset, status interrupt), in the names Vivado's IP
 * integrator and IP-XACT use. A port that fits no bus is an error: the packaged IP must name
 * every port of the RTL.
 */
import { TritforgeError } from "../util/errors.js";

export interface VendorPort {
  name: string;
  direction: "input" | "output";
  width: number;
}

/** The parts of a bundle's manifest the vendor files need. */
export interface VendorDesign {
  name: string;
  top: string;
  rtl: string[];
  mem: string[];
  clock: string;
  reset: { port: string; activeLow: boolean };
  inputPrefix: string;
  outputPrefix: string;
  /** Sticky status outputs (framing error), packaged as a level interrupt. */
  status: string[];
  ports: VendorPort[];
}

export interface BusPort extends VendorPort {
  logical: string;
}

export interface Bus {
  name: string;
  /** IP-XACT VLNV of the bus and abstraction definitions. */
  busType: { vendor: string; library: string; name: string; version: string };
  abstractionType: { vendor: string; library: string; name: string; version: string };
  mode: "slave" | "master";
  ports: BusPort[];
  parameters: Array<{ name: string; value: string }>;
}

const AXIS = (name: string) => ({ vendor: "xilinx.com", library: "interface", name, version: "1.0" });
const SIGNAL = (name: string) => ({ vendor: "xilinx.com", library: "signal", name, version: "1.0" });

/** Groups every port of the top module into a bus interface, or throws naming the orphan. */
export function busInterfaces(d: VendorDesign): Bus[] {
  const find = (name: string) => {
    const p = d.ports.find((x) => x.name === name);
    if (!p) throw new TritforgeError(`${d.top} has no port ${name}`);
    return p;
  };
  const stream = (prefix: string, name: string, mode: "slave" | "master"): Bus => ({
    name,
    busType: AXIS("axis"),
    abstractionType: AXIS("axis_rtl"),
    mode,
    ports: d.ports.filter((p) => p.name.startsWith(`${prefix}_t`)).map((p) => ({ ...p, logical: p.name.slice(prefix.length + 1).toUpperCase() })),
    parameters: [],
  });
  const buses: Bus[] = [
    stream(d.inputPrefix, "S_AXIS", "slave"),
    stream(d.outputPrefix, "M_AXIS", "master"),
    {
      name: d.reset.port.toUpperCase(),
      busType: SIGNAL("reset"),
      abstractionType: SIGNAL("reset_rtl"),
      mode: "slave",
      ports: [{ ...find(d.reset.port), logical: "RST" }],
      parameters: [{ name: "POLARITY", value: d.reset.activeLow ? "ACTIVE_LOW" : "ACTIVE_HIGH" }],
    },
    {
      name: d.clock.toUpperCase(),
      busType: SIGNAL("clock"),
      abstractionType: SIGNAL("clock_rtl"),
      mode: "slave",
      ports: [{ ...find(d.clock), logical: "CLK" }],
      parameters: [
        { name: "ASSOCIATED_BUSIF", value: "S_AXIS:M_AXIS" },
        { name: "ASSOCIATED_RESET", value: d.reset.port },
      ],
    },
    ...d.status.map((s) => ({
      name: s.toUpperCase(),
      busType: SIGNAL("interrupt"),
      abstractionType: SIGNAL("interrupt_rtl"),
      mode: "master" as const,
      ports: [{ ...find(s), logical: "INTERRUPT" }],
      parameters: [{ name: "SENSITIVITY", value: "LEVEL_HIGH" }],
    })),
  ];
  const covered = new Set(buses.flatMap((b) => b.ports.map((p) => p.name)));
  const orphan = d.ports.find((p) => !covered.has(p.name));
  if (orphan) throw new TritforgeError(`port ${orphan.name} of ${d.top} belongs to no bus interface`);
  return buses;
}
