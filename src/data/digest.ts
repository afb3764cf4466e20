/** A data set's identity for recipes: sha256 over its loaded bytes (train images, labels, test images, labels). */
import { createHash } from "node:crypto";
import type { Dataset } from "./datasets.js";

export function datasetDigest(d: Dataset): string {
  const h = createHash("sha256");
  for (const part of [d.train.images, d.train.labels, d.test.images, d.test.labels]) h.update(part);
  return `sha256:${h.digest("hex")}`;
}
