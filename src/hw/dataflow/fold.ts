/**
 * Folding of the dataflow architecture: per weight layer, PE (output channels computed in
 * parallel) and SIMD (inputs consumed per cycle per PE), plus the width of the input port
 * (input values per AXI-Stream beat). A folding is a plain value; `--fold FILE` reads one from JSON
 * (zod-validated), and `checkFolding` rejects every folding the hardware cannot build with one line
 * naming the layer and why.
 *
 * Divisibility choice (docs/dataflow.md): PE must divide N_out and SIMD must divide N_in, as in
 * FINN. No remainder logic: every fold is full, the weight memories hold no padding, and the
 * cycle model stays a product NF x SF. The error message lists the divisors to choose from.
 */
import { readFileSync, existsSync } from "node:fs";
import { z } from "zod";
import { TritforgeError } from "../../util/errors.js";

export interface LayerFold {
  pe: number;
  simd: number;
}

export interface Folding {
  /** Input values per beat of the input stream (divides the input size). */
  inputPerBeat: number;
  layers: LayerFold[];
}

const pos = z.number().int().min(1);
export const FoldingSchema = z.strictObject({
  inputPerBeat: pos.optional(),
  layers: z.array(z.strictObject({ name: z.string().optional(), pe: pos, simd: pos })).min(1),
});
export type FoldingFile = z.infer<typeof FoldingSchema>;

/** Divisors of n in increasing order. */
export function divisors(n: number): number[] {
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    lo.push(d);
    if (d * d !== n) hi.unshift(n / d);
  }
  return [...lo, ...hi];
}

/** SIMD values a conv layer can take: divisors of C_in, and C_in times a divisor of K^2. */
export function convSimdChoices(kernel: number, channels: number): number[] {
  const set = new Set<number>(divisors(channels));
  for (const m of divisors(kernel * kernel)) set.add(m * channels);
  return [...set].sort((a, b) => a - b);
}

/** Why `simd` cannot read a K x K x C_in window (null when it can). */
export function convSimdIssue(simd: number, kernel: number, channels: number): string | null {
  if (convSimdChoices(kernel, channels).includes(simd)) return null;
  const window = `${kernel}x${kernel}x${channels}`;
  if ((kernel * kernel * channels) % simd !== 0) return `SIMD ${simd} does not divide the ${kernel * kernel * channels} inputs of a ${window} window`;
  return `SIMD ${simd} would split an input pixel (${channels} channel(s)) across two reads of the ${window} window`;
}

const listDivisors = (n: number): string => {
  const d = divisors(n);
  return d.length <= 12 ? d.join(", ") : `${d.slice(0, 10).join(", ")}, ..., ${n}`;
};

export interface FoldTarget {
  name: string;
  /** Inputs per output value (a conv layer: K x K x C_in) and outputs (output channels). */
  nIn: number;
  nOut: number;
  /** A conv layer's window (its SIMD reads whole pixels or parts of one; its producer writes whole pixels). */
  window?: { kernel: number; channels: number } | null;
}

/** Throws a one-line error naming the first layer whose folding cannot be built. */
export function checkFolding(f: Folding, layers: FoldTarget[], inputFeatures: number): void {
  if (f.layers.length !== layers.length)
    throw new TritforgeError(`folding has ${f.layers.length} layer(s), the network has ${layers.length} weight layer(s)`);
  if (!Number.isInteger(f.inputPerBeat) || f.inputPerBeat < 1) throw new TritforgeError(`input values per beat must be a whole number >= 1, got ${f.inputPerBeat}`);
  if (f.inputPerBeat > inputFeatures) throw new TritforgeError(`input values per beat ${f.inputPerBeat} is beyond the ${inputFeatures} input values of an image`);
  if (inputFeatures % f.inputPerBeat !== 0)
    throw new TritforgeError(`input values per beat ${f.inputPerBeat} does not divide the ${inputFeatures} input values (choose one of ${listDivisors(inputFeatures)})`);
  const first = layers[0]!;
  if (first.window && first.window.channels % f.inputPerBeat !== 0)
    throw new TritforgeError(
      `input values per beat ${f.inputPerBeat} does not divide the ${first.window.channels} channel(s) of an input pixel: layer 0 (${first.name}) is a conv layer and its buffer holds whole pixels (choose one of ${listDivisors(first.window.channels)})`,
    );
  f.layers.forEach((lf, i) => {
    const l = layers[i]!;
    const at = `layer ${i} (${l.name})`;
    for (const [what, v] of [["PE", lf.pe], ["SIMD", lf.simd]] as const)
      if (!Number.isInteger(v) || v < 1) throw new TritforgeError(`${at}: ${what} must be a whole number >= 1, got ${v}`);
    if (lf.pe > l.nOut) throw new TritforgeError(`${at}: PE ${lf.pe} is beyond the layer's ${l.nOut} outputs`);
    if (l.nOut % lf.pe !== 0) throw new TritforgeError(`${at}: PE ${lf.pe} does not divide the layer's ${l.nOut} outputs (choose one of ${listDivisors(l.nOut)})`);
    if (l.window) {
      const why = convSimdIssue(lf.simd, l.window.kernel, l.window.channels);
      if (why) throw new TritforgeError(`${at}: ${why} (choose one of ${convSimdChoices(l.window.kernel, l.window.channels).join(", ")})`);
      return;
    }
    if (lf.simd > l.nIn) throw new TritforgeError(`${at}: SIMD ${lf.simd} is beyond the layer's ${l.nIn} inputs`);
    if (l.nIn % lf.simd !== 0) throw new TritforgeError(`${at}: SIMD ${lf.simd} does not divide the layer's ${l.nIn} inputs (choose one of ${listDivisors(l.nIn)})`);
  });
}

/** Reads and validates a folding file (`--fold FILE`); field errors name their path. */
export function loadFoldingFile(file: string, defaultInputPerBeat = 1): Folding {
  if (!existsSync(file)) throw new TritforgeError(`fold file ${file} not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new TritforgeError(`fold file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  // A dataflow bundle's manifest carries its folding in arch.params.fold.
  const m = raw as { format?: unknown; arch?: { id?: unknown; params?: { fold?: unknown } } } | null;
  if (m && typeof m === "object" && m.format === "tritforge-hw") {
    if (m.arch?.id !== "dataflow" || m.arch.params?.fold === undefined) throw new TritforgeError(`fold file ${file} is a bundle manifest without a dataflow folding`);
    raw = m.arch.params.fold;
  }
  const r = FoldingSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    throw new TritforgeError(`fold file ${file}: ${path ? `${path}: ` : ""}${issue.message}`);
  }
  return { inputPerBeat: r.data.inputPerBeat ?? defaultInputPerBeat, layers: r.data.layers.map(({ pe, simd }) => ({ pe, simd })) };
}

/** The folding as a fold file (the form `--fold` reads and the manifest records). */
export const foldingFile = (f: Folding, names: string[]): FoldingFile => ({
  inputPerBeat: f.inputPerBeat,
  layers: f.layers.map((l, i) => ({ name: names[i]!, pe: l.pe, simd: l.simd })),
});
