/** The report lifecycle is data (config/statuses.yaml), checked at start-up. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lifecycle } from "../src/domain/statuses.js";
import { loadTexts } from "../src/locale/texts.js";
import { deployment } from "./helpers/deployment.js";
import { tempDir } from "./helpers/temp-dirs.js";

const texts = await loadTexts("locales", deployment);
const shipped = Lifecycle.load("config/statuses.yaml", texts.missingKey);

async function fileWith(yaml: string): Promise<string> {
  const file = join(await tempDir("ma-statuses-"), "statuses.yaml");
  await writeFile(file, yaml);
  return file;
}

describe("report lifecycle", () => {
  it("ships the design's statuses, new reports start as recibido, and Open311 open/closed follows the file", () => {
    expect(shipped.all).toEqual(["recibido", "en_revision", "canalizado", "en_atencion", "resuelto", "no_procede", "duplicado"]);
    expect(shipped.initial).toBe("recibido");
    expect(shipped.all.filter((s) => !shipped.isOpen(s))).toEqual(["resuelto", "no_procede", "duplicado"]);
    // The daily digest calls an open report overdue after these days in its status; closed ones never are.
    expect(Object.fromEntries(shipped.all.map((s) => [s, shipped.get(s)?.overdueDays]))).toEqual({
      recibido: 2,
      en_revision: 5,
      canalizado: 10,
      en_atencion: 20,
      resuelto: null,
      no_procede: null,
      duplicado: null,
    });
  });

  it("says why a move is refused: unknown, the same, not a next status, or a reason missing", () => {
    expect(shipped.problem("recibido", "en_revision", null)).toBeUndefined();
    expect(shipped.problem("recibido", "inventado", null)).toBe("unknown_status");
    expect(shipped.problem("recibido", "recibido", null)).toBe("same_status");
    expect(shipped.problem("resuelto", "duplicado", "x")).toBe("not_allowed");
    expect(shipped.problem("recibido", "no_procede", "  ")).toBe("reason_required");
    expect(shipped.problem("recibido", "no_procede", "Es competencia estatal")).toBeUndefined();
  });

  it.each([
    ["initial: nuevo\nstatuses:\n  recibido: { open311: open }\n", /initial: "nuevo" is not one of the statuses/],
    ["initial: recibido\nstatuses:\n  recibido: { open311: open, to: [cerrado] }\n", /statuses\.recibido\.to: "cerrado" is not one of the statuses/],
    ["initial: archivado\nstatuses:\n  archivado: { open311: closed }\n", /statuses\.archivado: no text "status\.names\.archivado" in locale es-MX, en/],
    ["initial: recibido\nstatuses:\n  recibido: { open311: maybe }\n", /statuses\.recibido\.open311/],
    ["initial: recibido\nstatuses:\n  recibido: { open311: open, overdue_days: 0 }\n", /statuses\.recibido\.overdue_days/],
    ["initial: recibido\nstatuses:\n  recibido: { open311: open, overdue_days: dos }\n", /statuses\.recibido\.overdue_days/],
    [
      "initial: recibido\nstatuses:\n  recibido: { open311: open, to: [resuelto] }\n  resuelto: { open311: closed, overdue_days: 3 }\n",
      /statuses\.resuelto\.overdue_days: a closed status is never overdue/,
    ],
  ])("a wrong file stops start-up naming the file and the place (%#)", async (yaml, message) => {
    const file = await fileWith(yaml);
    expect(() => Lifecycle.load(file, texts.missingKey)).toThrow(message);
  });
});
