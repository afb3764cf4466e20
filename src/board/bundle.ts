/**
 * Board folders inside a hardware bundle: reading what the board top needs from manifest.json,
 * writing board/<board>/ atomically, and reading a written board.json back.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadManifest } from "../hw/bundle/manifest.js";
import { TritforgeError } from "../util/errors.js";
import { writeDirAtomic } from "../util/fs.js";
import { findBoard } from "./boards.js";
import { boardConfigSchema, planBoard, type BoardConfig, type BoardDesign, type BoardOptions, type BoardPlan } from "./plan.js";
import { renderBoardFiles } from "./render.js";

export function boardDesign(bundleDir: string): BoardDesign {
  const m = loadManifest(bundleDir);
  const i = m.interface;
  if (!i.input.tlast || !i.status || i.input.tdataBits !== 8 || i.output.tdataBits % 8 !== 0 || i.output.classBits === undefined)
    throw new TritforgeError(`${bundleDir}: the board top needs the AXI4-Stream interface with input tlast, 8-bit input tdata, whole-byte output tdata and a status port: regenerate the bundle`);
  return { name: m.name, top: m.top, rtl: m.files.rtl, features: i.input.beats, inputBits: i.input.valueBits, classes: m.network.classes, logitBits: i.output.tdataBits };
}

/** Writes the board files into `root` (a bundle folder or a folder being built into one). */
export function writeBoardFiles(root: string, plan: BoardPlan): void {
  for (const [rel, text] of renderBoardFiles(plan)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
    if (rel.endsWith(".sh")) chmodSync(join(root, rel), 0o755);
  }
}

/** Plans and writes board/<board>/ of an existing bundle, replacing only that folder. */
export async function addBoard(bundleDir: string, boardName: string, o: BoardOptions = {}): Promise<BoardPlan> {
  const plan = planBoard(boardDesign(bundleDir), findBoard(boardName), o);
  await writeDirAtomic(join(bundleDir, plan.dir), (tmp) => {
    // Render into a scratch root, then keep only this board's folder.
    for (const [rel, text] of renderBoardFiles(plan)) {
      const inside = rel.slice(plan.dir.length + 1);
      mkdirSync(dirname(join(tmp, inside)), { recursive: true });
      writeFileSync(join(tmp, inside), text);
      if (rel.endsWith(".sh")) chmodSync(join(tmp, inside), 0o755);
    }
  });
  return plan;
}

export function readBoardConfig(bundleDir: string, boardName: string): BoardConfig {
  const file = join(bundleDir, "board", boardName, "board.json");
  if (!existsSync(file)) throw new TritforgeError(`${bundleDir} has no ${boardName} board files (generate them with: npm run board -- gen ${bundleDir} --board ${boardName})`);
  const r = boardConfigSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!r.success) throw new TritforgeError(`${file}: ${r.error.issues[0]!.path.join(".")}: ${r.error.issues[0]!.message}`);
  return r.data;
}
