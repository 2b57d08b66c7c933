/** "Avisos de mi municipio": the municipalities a citizen gets announcements of, subscribing and unsubscribing. */
import { z } from "zod";
import { calendarDate } from "../../domain/plan/progress.js";
import type { Json } from "../../util/json.js";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

const municipalityKey = z.string().regex(/^\d{5}$/);
/** How old an announcement may be and still be read to a new subscriber. */
const LATEST_DAYS = 60;

export const announcementActions = (s: Services) => [
  /** The municipalities the citizen gets announcements of, as choices, and their names in a line. */
  defineAction({
    name: "my_subscriptions",
    args: z.object({}),
    run: async (_a, { citizen }): Promise<Json> => {
      const items = (await s.subscriptions.of(citizen.id)).map((sub) => ({
        value: sub.municipality,
        label: s.municipalities.get(sub.municipality)?.name ?? sub.municipality,
      }));
      return { count: items.length, items, names: items.map((i) => i.label).join(", ") };
    },
  }),
  /** Subscribes the citizen (who accepted the privacy notice) to a municipality's announcements. */
  defineAction({
    name: "subscribe_announcements",
    args: z.object({ municipality: municipalityKey }),
    run: async ({ municipality }, { citizen, emit }): Promise<Json> => {
      const outcome = await s.subscriptions.subscribe(citizen, municipality);
      if (outcome === "subscribed") emit({ type: "announcements_subscribed", citizen: citizen.id, municipality });
      return { outcome, name: s.municipalities.get(municipality)?.name ?? municipality };
    },
  }),
  /**
   * The newest announcement of a municipality sent to its subscribers in the last LATEST_DAYS days (`found`),
   * its text and its day: read to a citizen who has just subscribed, who would otherwise wait for the next one.
   */
  defineAction({
    name: "latest_announcement",
    args: z.object({ municipality: municipalityKey }),
    run: async ({ municipality }): Promise<Json> => {
      const latest = await s.announcements.latestSent(municipality, LATEST_DAYS);
      if (!latest) return { found: false };
      return { found: true, text: latest.text, day: calendarDate(latest.at, s.timeZone), photo: latest.photo !== null };
    },
  }),
  /** No more announcements of one municipality, or (`all`) of any. */
  defineAction({
    name: "unsubscribe_announcements",
    args: z.object({ municipality: z.union([municipalityKey, z.literal("all")]) }),
    run: async ({ municipality }, { citizen, emit }): Promise<Json> => {
      const count = municipality === "all" ? await s.subscriptions.stopAll(citizen.id) : Number(await s.subscriptions.unsubscribe(citizen.id, municipality));
      if (count > 0)
        emit({ type: "announcements_unsubscribed", citizen: citizen.id, municipality: municipality === "all" ? null : municipality, reason: "asked" });
      return { count, all: municipality === "all", name: municipality === "all" ? "" : (s.municipalities.get(municipality)?.name ?? municipality) };
    },
  }),
];
