/**
 * The architectures `gen-rtl --arch NAME` can build. A new one lives in `src/hw/<id>/` and is
 * added here (see ARCHITECTURE.md, "Where a new architecture goes").
 */
import type { Network } from "../ir/schema.js";
import { TritforgeError } from "../util/errors.js";
import type { Architecture, Design } from "./architecture.js";
import { parseWith } from "./bundle/manifest.js";
import { writeBundle } from "./common/bundle.js";
import { dataflow } from "./dataflow/index.js";
import { macArray } from "./mac-array/index.js";

export const DEFAULT_ARCH = "mac-array";

const ARCHITECTURES: ReadonlyArray<Architecture<never>> = [macArray as Architecture<never>, dataflow as Architecture<never>];

export const architectureIds = (): string[] => ARCHITECTURES.map((a) => a.id);

export function getArchitecture(id: string): Architecture<Record<string, unknown>> {
  const a = ARCHITECTURES.find((x) => x.id === id);
  if (!a) throw new TritforgeError(`unknown architecture "${id}"; choose from ${architectureIds().join(", ")}`);
  return a as unknown as Architecture<Record<string, unknown>>;
}

/** Validates raw parameters with the architecture's schema and builds the design (one-line errors). */
export function designFor(net: Network, archId: string, rawParams: Record<string, unknown>): Design {
  const arch = getArchitecture(archId);
  const params = parseWith(arch.params, rawParams, `--arch ${arch.id} parameters`);
  const why = arch.unsupported(net, params);
  if (why) throw new TritforgeError(`${arch.id} cannot build ${net.name}: ${why}`);
  return arch.build(net, params);
}

/**
 * Designs and writes a complete bundle atomically: on any error no folder is left behind; an
 * existing `outDir` is replaced only if it is a bundle tritforge wrote (or `force`).
 */
export async function generateBundle(net: Network, outDir: string, archId = DEFAULT_ARCH, rawParams: Record<string, unknown> = {}, o: { force?: boolean } = {}): Promise<Design> {
  const design = designFor(net, archId, rawParams);
  await writeBundle(outDir, design, net, o);
  return design;
}
