/** Citizens as the flows store them: a record once the privacy notice is accepted. */
import { addressOf } from "../../src/domain/model/citizen.js";
import type { Language } from "../../src/locale/languages.js";
import type { Store } from "../../src/store/ports.js";

/** Stores the citizen `id` («console:carla») as having accepted the privacy notice at `at`. */
export async function consentedCitizen(
  store: Pick<Store, "citizens">,
  id: string,
  at: Date,
  language: Language = "es-MX",
): Promise<{ version: string; at: Date }> {
  const address = addressOf(id);
  if (!address) throw new Error(`${id} is no citizen id`);
  const consent = { version: "test", at };
  await store.citizens.save({ id, ...address, language, consent, createdAt: at, updatedAt: at });
  return consent;
}
