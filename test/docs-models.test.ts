/**
 * The documentation's model tables are generated from the shipped models' provenance
 * (`npm run model-tables`): every row naming a file in models/ shows that file's recorded
 * accuracies and the command of its recorded recipe (so a pasted command makes that model again),
 * (a model made before recipes keeps its command cell), every shipped model has a row in the
 * README, and the README's design table quotes each
 * committed bundle's recorded accuracy.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Network } from "../src/ir/schema.js";
import { MODEL_TABLE_DOCS, modelCells, rewriteModelRows, rowModel, shippedModels } from "../src/train/model-table.js";
import { loadNetwork } from "../src/ir/io.js";

const models = shippedModels();

describe("model tables match the shipped models' provenance", () => {
  for (const doc of MODEL_TABLE_DOCS) {
    it(`${doc}: accuracies and commands of every model row (npm run model-tables)`, () => {
      const text = readFileSync(doc, "utf8");
      const rows = text.split("\n").filter((l) => rowModel(l) !== undefined);
      expect(rows.length).toBeGreaterThan(0);
      // Row by row first, for a readable failure; then the whole text.
      for (const row of rows) {
        const want = modelCells(models.get(rowModel(row)!)!);
        const have = row.replace(/\s*\|$/, "").split(" | ").slice(-4);
        expect(have.slice(0, want[3] === null ? 3 : 4), row.slice(0, 60)).toEqual(want[3] === null ? want.slice(0, 3) : want);
      }
      expect(rewriteModelRows(text, models)).toBe(text);
      if (doc === "README.md") expect(rows.map((r) => rowModel(r)).sort()).toEqual([...models.keys()].sort());
    });
  }

  it("cells come from the provenance: accuracies to 0.01 pp, the retrained one in bold, the recipe's command", () => {
    const net = loadNetwork("test/fixtures/tiny-recipe.json");
    const [float, direct, retrained, command] = modelCells(net);
    expect([float, direct, retrained]).toEqual([`${(net.provenance.metrics!.float! * 100).toFixed(2)}%`, `${(net.provenance.metrics!.direct! * 100).toFixed(2)}%`, `**${(net.provenance.accuracy!.value * 100).toFixed(2)}%**`]);
    expect(command).toBe(
      "`npm run train -- --dataset fashion-mnist --hidden 32 --levels 3 --signal-bits 8 --epochs 4 --retrain-epochs 2 --lr 0.005 --retrain-lr 0.001 --batch-size 32 --train-limit 800 --backend wasm --out test/fixtures/tiny-recipe.json --name tiny_recipe`",
    );
    const noRecipe: Network = { ...net, provenance: { ...net.provenance, recipe: undefined } };
    expect(modelCells(noRecipe)).toEqual([float, direct, retrained, null]);
    expect(rewriteModelRows("| `models/mnist-ternary-32.json` | d | 1 | 2 | 3 | kept |", new Map([["models/mnist-ternary-32.json", noRecipe]]))).toBe(`| \`models/mnist-ternary-32.json\` | d | ${float} | ${direct} | ${retrained} | kept |`);
    expect(() => rewriteModelRows("| `models/none.json` | x | 1 | 2 | 3 | 4 |", models)).toThrow(/names models\/none\.json, which is not a shipped model/);
  });

  it("README.md: each committed bundle's accuracy is its model's", () => {
    const rows = readFileSync("README.md", "utf8")
      .split("\n")
      .filter((l) => /^\| `hw\/[a-z0-9_]+`, P = \d+ \|/.test(l)); // the design table: accuracy in the second cell
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const name = /`hw\/([a-z0-9_]+)`/.exec(row)![1];
      const net = [...models.values()].find((n) => n.name === name);
      expect(net, `no shipped model named ${name}`).toBeDefined();
      expect(row.split(" | ")[1]!.startsWith(`${(net!.provenance.accuracy!.value * 100).toFixed(2)}% `), row.slice(0, 80)).toBe(true);
    }
  });
});
