/**
 * Handlebars rendering for the hardware generators: each architecture has its own template folder
 * (`src/hw/<id>/templates`); every `*.hbs` file there and in `src/hw/common/templates` is a
 * partial named after its file (without `.v.hbs` / `.md.hbs` / `.hbs`), so a top template is a
 * short list of `{{> part}}` lines. Templates are logic-less: views carry every value.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";

export const COMMON_TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), "templates");

const OPTIONS = { noEscape: true, strict: true } as const;
const partName = (file: string) => file.replace(/(\.v|\.md)?\.hbs$/, "");

/** A renderer over the common templates and `dir`'s (the latter win on equal names). */
export function templateSet(dir: string): (name: string, view: object) => string {
  const env = Handlebars.create();
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const d of [COMMON_TEMPLATES, dir])
    for (const f of readdirSync(d).filter((x) => x.endsWith(".hbs")).sort()) {
      const t = env.compile(readFileSync(join(d, f), "utf8"), OPTIONS);
      compiled.set(partName(f), t);
      env.registerPartial(partName(f), t);
    }
  return (name, view) => {
    const t = compiled.get(name);
    if (!t) throw new Error(`no template "${name}" in ${dir} or ${COMMON_TEMPLATES}`);
    return t(view);
  };
}
