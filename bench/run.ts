/**
 * npm run bench: every benchmark, one section after another; `npm run bench -- NAME...` runs the
 * named sections (data, reference, simulation, training). The cost model's calibration is a separate,
 * long run: `npx tsx bench/cost.ts` (see docs/cost-model.md).
 */
import { benchData } from "./data.js";
import { benchReference, benchSimulation } from "./hardware.js";
import { benchTraining } from "./train.js";
import { benchHardware } from "./pareto.js";

const sections: Record<string, () => Promise<void>> = {
  data: benchData,
  reference: benchReference,
  simulation: benchSimulation,
  training: () => benchTraining(),
  hardware: benchHardware,
};

const only = process.argv.slice(2);
const unknown = only.filter((n) => !(n in sections));
if (unknown.length) {
  console.error(`error: unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(sections).join(", ")}`);
  process.exit(1);
}
for (const [name, run] of Object.entries(sections)) {
  if (only.length && !only.includes(name)) continue;
  console.log(`== ${name}`);
  await run();
}
