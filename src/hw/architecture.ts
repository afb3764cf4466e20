/**
 * What an accelerator architecture provides. Each lives in `src/hw/<id>/` (plan.ts: every width
 * and count; cycles.ts: exact latency and interval; templates/ and its view; features.ts: cost
 * features) and is listed in `src/hw/registry.ts`. Shared pieces are in `src/hw/common/`; the
 * bundle contract in `src/hw/bundle/manifest.ts`.
 */
import type { z } from "zod";
import type { Network } from "../ir/schema.js";
import type { Manifest } from "./bundle/manifest.js";

/** One generated file of a bundle, relative to the bundle folder. */
export interface BundleFile {
  path: string;
  content: string;
}

/** Everything an architecture generates for one network: the files and the manifest describing them. */
export interface Design {
  manifest: Manifest;
  files: BundleFile[];
}

export interface Architecture<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Registry name, also the folder name under src/hw/ and the manifest's arch.id. */
  id: string;
  /** One line for `gen-rtl --help`. */
  summary: string;
  /** Validates the architecture's parameters (messages name the field). */
  params: z.ZodType<P>;
  /** Why this architecture cannot build `net` with `params` (one line), or null when it can. */
  unsupported(net: Network, params: P): string | null;
  /** Plans, renders and describes the design. Throws a TritforgeError for bad input. */
  build(net: Network, params: P): Design;
  /**
   * For architectures whose inferences overlap: the cycle of each inference's first input beat and
   * last output beat in a back-to-back stream of `count` (relative to the first input beat), from
   * the manifest alone. Co-simulation checks every one; without it every latency must equal
   * timing.latency.
   */
  predictTimes?(manifest: Manifest, count: number): Array<{ start: number; end: number }>;
  /** Extra summary lines for gen-rtl (e.g. a chosen folding). */
  describe?(manifest: Manifest): string[];
}
