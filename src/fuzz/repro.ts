/** A shrunk failing fuzz case on disk: the network as an IR file (gen-rtl --model) and the case beside it. */
import { join } from "node:path";
import { saveNetwork } from "../ir/io.js";
import { writeFileAtomic } from "../util/fs.js";
import type { FuzzCase } from "./generate.js";

/** Writes a reproducer: the network as an IR file (gen-rtl --model) and the case beside it. */
export function writeReproducer(dir: string, c: FuzzCase, original: FuzzCase, kind: string, message: string, simulator: string): string {
  const base = join(dir, `fuzz-${c.seed}-${c.index}`);
  saveNetwork(c.net, `${base}.json`);
  const sizes = (n: FuzzCase) => [n.net.input.shape[0], ...n.net.layers.map((l) => (l.kind === "dense" ? l.outFeatures : 0))];
  writeFileAtomic(
    `${base}.case.json`,
    JSON.stringify(
      {
        kind,
        message,
        network: `${base}.json`,
        lanes: c.lanes,
        stall: c.stall,
        vectors: c.vectors,
        inputs: c.inputs,
        simulator,
        original: { seed: original.seed, index: original.index, sizes: sizes(original), lanes: original.lanes, stall: original.stall },
        shrunk: { sizes: sizes(c) },
        command: `npm run gen-rtl -- --model ${base}.json --lanes ${c.lanes} --simulator ${simulator}`,
      },
      null,
      1,
    ) + "\n",
  );
  return `${base}.json`;
}

