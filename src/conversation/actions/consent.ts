import { z } from "zod";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

export const consentActions = (s: Services) => [
  /** Whether the citizen accepted the current version of the privacy notice. */
  defineAction({
    name: "check_consent",
    args: z.object({}),
    run: async (_args, { citizen }) => ({ ok: s.citizens.hasConsented(citizen, s.privacyVersion) }),
  }),
  /** Records consent to the current version, with its time. */
  defineAction({
    name: "record_consent",
    args: z.object({}),
    run: async (_args, { citizen, emit }) => {
      emit({ type: "consent_recorded", citizen: citizen.id, version: s.privacyVersion });
      return { ok: true, version: s.privacyVersion };
    },
  }),
];
