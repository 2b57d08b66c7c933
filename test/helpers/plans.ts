/** Plan files for tests: a small real plan with dates around the test clock's today, written as YAML. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import type { App } from "../../src/app.js";
import { readPlanFile } from "../../src/domain/plan/plan-file.js";
import { calendarDate } from "../../src/domain/plan/progress.js";
import { tempDir } from "./app.js";

/** A calendar day `days` from `at` in the deployment's time zone. */
export function dayFrom(at: Date, days: number): string {
  return calendarDate(new Date(at.getTime() + days * 86_400_000), "America/Mexico_City");
}

/** Metepec's plan: commitment 1 with three milestones (one done, weights 1, 2, 1) and an indicator; commitment 2 with none done. */
export function metepecPlan(now: Date) {
  const d = (days: number) => dayFrom(now, days);
  return {
    municipality: "15054",
    title: "Plan de Acción de Metepec",
    period: { start: d(-100), end: d(400) },
    state: "en_implementacion",
    commitments: [
      {
        number: 1,
        title: "Colonias iluminadas",
        problem: "Luminarias apagadas por meses",
        baseline: "35 % de las luminarias apagadas",
        objective: "Reparar en menos de 10 días",
        actions: "Censo y tablero público",
        responsible: "Dirección de Servicios Públicos",
        co_responsible: "Colectivo Vecinal",
        principles: ["transparencia", "participacion"],
        start: d(-90),
        end: d(300),
        state: "vigente",
        milestones: [
          { number: 1, title: "Censo publicado", due: d(-30), done: d(-32), evidence: "https://example.org/censo", weight: 1 },
          { number: 2, title: "Tablero en línea", due: d(60), done: null, evidence: null, weight: 2 },
          { number: 3, title: "Informe final", due: d(200), done: null, evidence: null, weight: 1 },
        ],
        indicators: [{ number: 1, name: "Luminarias funcionando", unit: "%", baseline: 65, target: 95, current: 72, date: d(-10) }],
      },
      {
        number: 2,
        title: "Obra pública a la vista",
        problem: "Nadie sabe cuánto cuestan las obras",
        baseline: "3 de 48 obras con información",
        objective: "Publicar todas las obras",
        actions: "Micrositio de obras",
        responsible: "Dirección de Obras Públicas",
        co_responsible: "Observatorio Ciudadano",
        principles: ["rendicion"],
        start: d(-60),
        end: d(365),
        state: "vigente",
        milestones: [{ number: 1, title: "Micrositio publicado", due: d(90), done: null, evidence: null, weight: 1 }],
        indicators: [],
      },
    ],
  };
}

export type TestPlan = ReturnType<typeof metepecPlan>;

/** Imports a plan (an object in the file's shape) as `npm run admin -- plan import` would. */
export async function importPlan(app: App, plan: object, name = "plan.yaml", options: { demo?: boolean } = {}) {
  const read = readPlanFile(name, stringify(plan));
  return app.plans.import(read.plan, read.where, options);
}

/** Writes a plan object to a YAML file in a fresh folder; resolves with its path. */
export async function planFile(plan: object, name = "plan.yaml"): Promise<string> {
  const path = join(await tempDir("ma-plan-"), name);
  await writeFile(path, stringify(plan));
  return path;
}
