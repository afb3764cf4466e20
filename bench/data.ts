/**
 * Data loading: both splits of each data set from their IDX files (gzipped where shipped so),
 * in a process that has not read them before.
 *
 *   npm run bench -- data
 */
import { loadDataset, type DatasetName } from "../src/data/datasets.js";

export async function benchData(): Promise<void> {
  for (const name of ["fashion-mnist", "mnist"] as DatasetName[]) {
    const t0 = performance.now();
    const d = loadDataset(name);
    const ms = performance.now() - t0;
    console.log(`${name.padEnd(13)} ${d.train.count.toLocaleString("en-US")} + ${d.test.count.toLocaleString("en-US")} images in ${ms.toFixed(0)} ms`);
  }
}
