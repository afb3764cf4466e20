/**
 * The documentation's model tables, from the shipped models' provenance: in every markdown table
 * row whose first cell names a file in models/, the last four cells are that model's float,
 * direct and retrained (integer-model) accuracy and the command of its recipe (a model without a
 * recipe keeps the command cell it has). `npm run
 * model-tables` rewrites them; test/docs-models.test.ts checks they are current.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadNetwork } from "../ir/io.js";
import { randomCommand } from "../ir/random-recipe.js";
import type { Network } from "../ir/schema.js";
import { PROJECT_ROOT } from "../util/environment.js";
import { TritforgeError } from "../util/errors.js";
import { trainCommand } from "./recipe.js";

/** The documents whose model tables are generated. */
export const MODEL_TABLE_DOCS = ["README.md", "docs/training.md"];

/** The shipped models by their repository path ("models/NAME.json"). */
export function shippedModels(root = PROJECT_ROOT): Map<string, Network> {
  return new Map(
    readdirSync(join(root, "models"))
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => [`models/${f}`, loadNetwork(join(root, "models", f))]),
  );
}

const pct = (x: number | undefined): string => (x === undefined ? "–" : `${(x * 100).toFixed(2)}%`);

/**
 * Float, direct, retrained and command cells of a model; the command is null for a model made
 * before recipes were recorded (no command makes it today: its row keeps whatever it says).
 */
export function modelCells(net: Network): [string, string, string, string | null] {
  const recipe = net.provenance.recipe;
  if (recipe?.command === "make-random-model") return ["–", "–", "–", `\`${randomCommand(recipe.flags)}\``];
  const m = net.provenance.metrics ?? {};
  return [pct(m.float), pct(m.direct), `**${pct(net.provenance.accuracy?.value)}**`, recipe ? `\`${trainCommand(recipe.flags)}\`` : null];
}

const splitRow = (line: string): string[] => line.split(" | ").map((c) => c.replace(/^\|\s*|\s*\|$/g, "").trim());

/** The model file a table row names in its first cell (`models/….json`), if any. */
export function rowModel(line: string): string | undefined {
  return line.startsWith("|") ? /`(models\/[^`]+\.json)`/.exec(splitRow(line)[0]!)?.[1] : undefined;
}

/**
 * The markdown with the last four cells of every model row replaced by the model's cells; rows
 * naming a file that is not in `models` are an error.
 */
export function rewriteModelRows(markdown: string, models: ReadonlyMap<string, Network>): string {
  return markdown
    .split("\n")
    .map((line) => {
      const file = rowModel(line);
      if (file === undefined) return line;
      const net = models.get(file);
      if (!net) throw new TritforgeError(`a table row names ${file}, which is not a shipped model`);
      const cells = splitRow(line);
      if (cells.length < 5) throw new TritforgeError(`the table row of ${file} has ${cells.length} cells, expected a description and float, direct, retrained, command`);
      const [float, direct, retrained, command] = modelCells(net);
      return `| ${[...cells.slice(0, -4), float, direct, retrained, command ?? cells[cells.length - 1]!].join(" | ")} |`;
    })
    .join("\n");
}
