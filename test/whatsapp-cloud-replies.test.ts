/** How a reply looks on the WhatsApp Cloud API: buttons, lists, numbered text, location requests, long texts; templates from their file. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOUD_LIMITS, toCloud } from "../src/channels/whatsapp/cloud/replies.js";
import { NoticeTemplates } from "../src/channels/whatsapp/cloud/templates.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

let texts: Texts;
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
});

const choices = (labels: string[]) => labels.map((label, i) => ({ value: `v${i}`, label }));
const kinds = (labels: string[]) =>
  toCloud({ id: "1", lang: "es-MX", text: "¿Cuál?", choices: choices(labels) }, texts).map((m) =>
    m.type === "interactive" ? (m.interactive as { type: string }).type : m.type,
  );

describe("whatsapp cloud replies", () => {
  it("up to three short choices are buttons, up to ten a list, more or longer ones numbered text", () => {
    expect(kinds(["Sí", "No"])).toEqual(["button"]);
    expect(kinds(["Uno", "Dos", "Tres", "Cuatro"])).toEqual(["list"]);
    expect(kinds(["Una opción con más de veinte letras", "No"])).toEqual(["list"]);
    expect(kinds(Array.from({ length: 11 }, (_, i) => `Opción ${i + 1}`))).toEqual(["text"]);
    expect(kinds(["x".repeat(CLOUD_LIMITS.rowDescription + 1)])).toEqual(["text"]);
    expect(kinds([])).toEqual(["text"]);
    const [numbered] = toCloud({ id: "1", lang: "es-MX", text: "¿Cuál?", choices: choices(Array.from({ length: 12 }, (_, i) => `Opción ${i + 1}`)) }, texts);
    expect((numbered.text as { body: string }).body).toContain("*12.* Opción 12");
  });

  it("a text too long for an interactive body goes first on its own, in pieces within 4,096 characters", () => {
    const long = Array.from({ length: 400 }, (_, i) => `Línea ${i} del aviso de privacidad`).join("\n");
    const out = toCloud({ id: "1", lang: "en", text: long, choices: choices(["Yes", "No"]) }, texts);
    const last = out.at(-1) as unknown as { interactive: { type: string; body: { text: string } } };
    expect(last.interactive.type).toBe("button");
    expect(last.interactive.body.text).toBe("Reply with the number of your option.");
    const bodies = out.slice(0, -1).map((m) => (m.text as { body: string }).body);
    expect(bodies.every((b) => b.length <= CLOUD_LIMITS.text)).toBe(true);
    expect(bodies.join("\n")).toBe(long);
  });

  it("a location question is WhatsApp's location request, its choices follow as buttons", () => {
    const out = toCloud({ id: "1", lang: "es-MX", text: "Comparte tu ubicación", request: "location", choices: choices(["Omitir"]) }, texts);
    expect(out.map((m) => (m.interactive as { type: string }).type)).toEqual(["location_request_message", "button"]);
    expect(out[0].interactive).toMatchObject({ body: { text: "Comparte tu ubicación" }, action: { name: "send_location" } });
  });

  it("templates: a notice kind's template with its values in order; unknown kinds, values or languages stop start-up naming the file", async () => {
    const dir = await tempDir();
    const file = join(dir, "whatsapp-templates.yaml");
    await writeFile(file, "report_status:\n  name: estado\n  languages: { es-MX: es_MX }\n  parameters: [status, folio]\n");
    const templates = NoticeTemplates.load(file);
    const notice = { kind: "report_status" as const, params: { folio: "MET-2026-000001", category: "Baches", status: "En\nrevisión  " } };
    expect(templates.message(notice, "es-MX")).toEqual({
      type: "template",
      template: {
        name: "estado",
        language: { code: "es_MX" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "En revisión" },
              { type: "text", text: "MET-2026-000001" },
            ],
          },
        ],
      },
    });
    expect(templates.message(notice, "en")).toBeUndefined();
    expect(templates.message({ kind: "report_answer", params: {} }, "es-MX")).toBeUndefined();
    expect(templates.message(undefined, "es-MX")).toBeUndefined();
    expect(NoticeTemplates.load(join(dir, "none.yaml")).message(notice, "es-MX")).toBeUndefined();

    await writeFile(file, "report_status:\n  name: estado\n  languages: { es-MX: es_MX }\n  parameters: [colonia]\n");
    expect(() => NoticeTemplates.load(file)).toThrow(
      `${file}: report_status.parameters.0: "colonia" is not a value of report_status (folio, category, status)`,
    );
    await writeFile(file, "reporte:\n  name: estado\n  languages: { es-MX: es_MX }\n");
    expect(() => NoticeTemplates.load(file)).toThrow(
      `${file}: reporte: not a notice kind: accepts report_status, report_answer, commitment_update, announcement`,
    );
    await writeFile(file, "report_status:\n  name: estado\n  languages: { es-MX: Spanish }\n");
    expect(() => NoticeTemplates.load(file)).toThrow("a WhatsApp language code, such as es_MX or en_US");
    // The shipped file loads.
    expect(NoticeTemplates.load("config/whatsapp-templates.yaml").message(notice, "en")).toMatchObject({ template: { name: "reporte_cambio_estado" } });
  });
});
