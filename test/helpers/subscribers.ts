/** Citizens of Telegram who accepted the privacy notice and subscribed to a municipality's announcements, and announcements for them. */
import type { Language } from "../../src/locale/languages.js";
import type { Store } from "../../src/store/ports.js";
import { consentedCitizen } from "./citizens.js";

/** `count` subscribers with chat ids from `first`, in `language(i)`; resolves with their chat ids. */
export async function seedSubscribers(
  store: Pick<Store, "citizens" | "subscriptions">,
  options: { count: number; first: number; municipality: string; now: Date; language?: (i: number) => Language },
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < options.count; i++) {
    const chatId = options.first + i;
    const citizen = `telegram:${chatId}`;
    const consent = await consentedCitizen(store, citizen, options.now, options.language?.(i));
    await store.subscriptions.add({ citizen, municipality: options.municipality, since: options.now, consent });
    ids.push(chatId);
  }
  return ids;
}

/** An announcement to a municipality's subscribers, due at `at`, as the admin schedules it. */
export async function scheduleAnnouncement(
  store: Pick<Store, "announcements">,
  options: { id: string; municipality: string; text: string; at: Date; now: Date },
): Promise<void> {
  await store.announcements.insert({
    id: options.id,
    municipality: options.municipality,
    text: options.text,
    photo: null,
    audiences: ["subscribers"],
    at: options.at,
    state: "scheduled",
    createdBy: "admin",
    createdAt: options.now,
    queuedAt: null,
    recipients: null,
  });
}
