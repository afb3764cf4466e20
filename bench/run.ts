/** npm run bench: every benchmark, one section after another. `npm run bench -- NAME` runs one. */
import { benchReference, benchSimulation } from "./hardware.js";

const sections: Record<string, () => Promise<void>> = {
  reference: benchReference,
  simulation: benchSimulation,
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (only.length && !only.includes(name)) continue;
  console.log(`== ${name}`);
  await run();
}
