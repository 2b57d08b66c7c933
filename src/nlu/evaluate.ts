/**
 * Scores the understanding on held-out phrases (test/nlu/<lang>.yaml): the intent counts when it is
 * the confident best guess (or, for `none`, when no guess is confident); the entities count when
 * exactly the expected ones are found, with the expected values. Used by bench/nlu.ts and its test.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { topIntent } from "../engine/understanding.js";
import type { Language } from "../locale/languages.js";
import { parseYaml } from "../util/yaml.js";
import type { Understander } from "./understander.js";

export const heldOutSchema = z.array(
  z.strictObject({
    text: z.string().min(1),
    intent: z.string().optional(),
    entities: z.record(z.string(), z.string()).default({}),
  }),
);
export type HeldOut = z.infer<typeof heldOutSchema>;

export interface Miss {
  text: string;
  expected: string;
  got: string;
}

export interface Score {
  intents: { right: number; total: number };
  entities: { right: number; total: number };
  misses: Miss[];
}

export function readHeldOut(file: string): HeldOut {
  return heldOutSchema.parse(parseYaml(readFileSync(file, "utf8")));
}

const show = (entities: Record<string, string>) =>
  Object.entries(entities)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(" ") || "(none)";

export async function evaluate(understander: Understander, items: HeldOut, lang: Language): Promise<Score> {
  const score: Score = { intents: { right: 0, total: 0 }, entities: { right: 0, total: 0 }, misses: [] };
  for (const item of items) {
    const u = await understander.understand(item.text, lang);
    if (item.intent) {
      score.intents.total++;
      const got = topIntent(u) ?? "none";
      if (got === item.intent) score.intents.right++;
      else
        score.misses.push({ text: item.text, expected: `intent ${item.intent}`, got: `${u.intents.map((i) => `${i.name} ${i.score}`).join(", ") || "none"}` });
    }
    score.entities.total++;
    const found = Object.fromEntries(Object.entries(u.entities).map(([k, m]) => [k, m.value]));
    if (show(found) === show(item.entities)) score.entities.right++;
    else score.misses.push({ text: item.text, expected: show(item.entities), got: show(found) });
  }
  return score;
}

export const percent = (r: { right: number; total: number }) => (r.total ? (100 * r.right) / r.total : 100);
