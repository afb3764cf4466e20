/**
 * FPGA parts as data: `fpga-parts.json` beside this module, validated with zod. Each part gives its
 * logic (LUT4 on iCE40, LUT6 on Xilinx 7-series), flip-flops, block RAM (kind and count), DSP
 * blocks, user IO of the package, and the data sheet the numbers come from.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseWith, readJsonFile } from "../hw/bundle/manifest.js";
import { TritforgeError } from "../util/errors.js";

const count = () => z.number().int().nonnegative();

export const PartSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "part names are lower-case letters, digits and dashes"),
    label: z.string().min(1),
    family: z.enum(["ice40", "xilinx7"]),
    /** LUT4 (iCE40) or LUT6 (Xilinx 7-series). */
    lut: count().min(1),
    ff: count().min(1),
    bram: z.strictObject({ kind: z.enum(["ice40-ebr-4kbit", "xilinx-ramb36"]), count: count() }),
    dsp: count(),
    io: count().min(1),
    /** nextpnr-ice40 device flag and package (iCE40 parts). */
    nextpnr: z.strictObject({ device: z.string().regex(/^--[a-z0-9]+$/), package: z.string().min(1) }).optional(),
    notes: z.string().optional(),
    /** Where the numbers come from (data sheet and table). */
    source: z.string().min(10, "every part names the data sheet its numbers come from"),
  })
  .superRefine((p, ctx) => {
    const want = p.family === "ice40" ? "ice40-ebr-4kbit" : "xilinx-ramb36";
    if (p.bram.kind !== want) ctx.addIssue({ code: "custom", path: ["bram", "kind"], message: `a ${p.family} part has ${want} block RAM` });
    if (p.family === "ice40" && !p.nextpnr) ctx.addIssue({ code: "custom", path: ["nextpnr"], message: "an iCE40 part needs its nextpnr device and package" });
  });

export const PartsTableSchema = z
  .strictObject({ format: z.literal("tritforge-parts"), version: z.literal(1), parts: z.array(PartSchema).min(1) })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.parts.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["parts", i, "name"], message: `part ${p.name} appears twice` });
      seen.add(p.name);
    });
  });

export type Part = z.infer<typeof PartSchema>;
export type PartsTable = z.infer<typeof PartsTableSchema>;

export const DEFAULT_PARTS_FILE = join(dirname(fileURLToPath(import.meta.url)), "fpga-parts.json");

/** Validates a parsed parts table; the error names the first bad field by its path. */
export const parsePartsTable = (value: unknown, source = "(parts table)"): PartsTable => parseWith(PartsTableSchema, value, source);

export const loadPartsTable = (file = DEFAULT_PARTS_FILE): PartsTable => parsePartsTable(readJsonFile(file, "parts table"), file);

export function findPart(table: PartsTable, name: string): Part {
  const p = table.parts.find((x) => x.name === name);
  if (!p) throw new TritforgeError(`unknown part "${name}"; choose from ${table.parts.map((x) => x.name).join(", ")}`);
  return p;
}
