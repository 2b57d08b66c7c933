/** The secretariat's configuration: offices to channel to (config/areas.yaml) and answer templates (config/templates/). */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Areas } from "../src/domain/areas.js";
import { Lifecycle } from "../src/domain/statuses.js";
import { Templates } from "../src/domain/templates.js";
import { loadTexts } from "../src/locale/texts.js";
import { deployment } from "./helpers/deployment.js";
import { tempDir } from "./helpers/temp-dirs.js";

const texts = await loadTexts("locales", deployment);
const statuses = Lifecycle.load("config/statuses.yaml", texts.missingKey).all;

describe("offices and answer templates", () => {
  it("ships a default list of offices, named in Spanish and English", () => {
    const areas = Areas.load("config/areas.yaml", deployment.municipalityKey);
    const obras = areas.get("15054", "obras_publicas");
    expect(obras && areas.name(obras, "es-MX")).toBe("Dirección de Obras Públicas");
    expect(obras && areas.name(obras, "en")).toBe("Public Works");
    expect(areas.get("15054", "inventada")).toBeUndefined();
  });

  it("a municipality may have its own offices", async () => {
    const file = join(await tempDir("ma-areas-"), "areas.yaml");
    await writeFile(file, "default:\n  - { id: obras, name: Obras }\nmunicipalities:\n  '15054':\n    - { id: sp, name: Servicios de Metepec }\n");
    const areas = Areas.load(file, deployment.municipalityKey);
    expect(areas.forMunicipality("15054").map((a) => a.id)).toEqual(["sp"]);
    expect(areas.forMunicipality("15106").map((a) => a.id)).toEqual(["obras"]);
    await writeFile(file, "default:\n  - { id: obras, name: Obras }\nmunicipalities:\n  '09015':\n    - { id: sp, name: X y Z }\n");
    expect(() => Areas.load(file, deployment.municipalityKey)).toThrow(/municipalities\.09015: is not a municipality key of this state/);
  });

  it("fills templates in the citizen's language, and refuses unknown statuses and placeholders", async () => {
    const templates = Templates.load("config/templates", deployment.languages, statuses);
    const values = { folio: "MET-2026-000001", area: "Obras Públicas", municipality: "Metepec" };
    expect(templates.for("canalizado", "es-MX", values)).toEqual([
      "Turnamos tu reporte MET-2026-000001 a Obras Públicas, que es el área responsable de atenderlo.",
    ]);
    expect(templates.for("canalizado", "en", values)[0]).toMatch(/^We forwarded your report MET-2026-000001 to Obras Públicas/);
    expect(templates.for("recibido", "es-MX", values)).toEqual([]);
    const dir = await tempDir("ma-templates-");
    await writeFile(join(dir, "es-MX.yaml"), "archivado:\n  - Texto de prueba\n");
    expect(() => Templates.load(dir, ["es-MX"], statuses)).toThrow(/es-MX\.yaml: archivado: not a status/);
    await writeFile(join(dir, "es-MX.yaml"), "resuelto:\n  - Hola {{nombre}}, listo\n");
    expect(() => Templates.load(dir, ["es-MX"], statuses)).toThrow(/resuelto\.0: unknown placeholder \{\{nombre\}\}/);
  });
});
