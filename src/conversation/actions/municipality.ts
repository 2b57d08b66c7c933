import { z } from "zod";
import type { Json } from "../../util/json.js";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

const found = (m: { cvegeo: string; name: string }): Json => ({ found: true, cvegeo: m.cvegeo, name: m.name });
const point = z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) });

export const municipalityActions = (s: Services) => [
  /**
   * The municipality that contains a shared location; with `expected` (a municipality's key), `same`
   * says whether it is that one (a report's place must be in the report's municipality).
   */
  defineAction({
    name: "municipality_from_location",
    args: z.object({ location: point, expected: z.string().max(10).optional() }),
    run: async ({ location, expected }) => {
      const m = s.municipalities.atPoint(location.latitude, location.longitude);
      const result = (m ? found(m) : { found: false }) as Record<string, Json>;
      if (expected !== undefined) result.same = m?.cvegeo === expected;
      return result;
    },
  }),
  /** Municipalities whose name looks like the typed text: options to pick from, and the match when there is one. */
  defineAction({
    name: "search_municipality",
    args: z.object({ query: z.string().max(200) }),
    run: async ({ query }) => {
      const found = s.municipalities.search(query);
      return {
        count: found.length,
        options: found.map((m) => ({ value: m.cvegeo, label: m.name })),
        ...(found.length === 1 ? { cvegeo: found[0].cvegeo, name: found[0].name } : {}),
      };
    },
  }),
  /** A municipality picked from a list, by key. */
  defineAction({
    name: "get_municipality",
    args: z.object({ cvegeo: z.string().max(10) }),
    run: async ({ cvegeo }) => {
      const m = s.municipalities.get(cvegeo);
      return m ? found(m) : { found: false };
    },
  }),
  /**
   * The municipality's report categories as choices, and `preferred`: the category the citizen already
   * named, when the municipality has it (null otherwise).
   */
  defineAction({
    name: "list_categories",
    args: z.object({ municipality: z.string().max(10), preferred: z.string().max(40).nullable().optional() }),
    run: async ({ municipality, preferred }) => {
      const list = s.categories.forMunicipality(municipality);
      const other = s.categories.otherFor(municipality);
      return {
        options: list.map((c) => ({ value: c, key: `category.${c}` })),
        preferred: preferred && list.includes(preferred) ? preferred : null,
        other: other ?? "",
        has_other: other ? "yes" : "no",
      };
    },
  }),
];
