/**
 * The guarantor authority and the privacy notice: who to contact and who is responsible for the
 * data. Configuration, not code (config/authority.yaml), since the authority may change by law.
 */
import { z } from "zod";
import { readConfigFile } from "../util/config-file.js";

const schema = z.strictObject({
  authority: z.strictObject({
    name: z.string().min(1),
    address: z.string().min(1),
    phone: z.string().min(1),
    email: z.string().min(1),
    website: z.string().url(),
  }),
  privacy: z.strictObject({
    /** Bumped whenever the notice changes: citizens consent again. */
    version: z.string().min(1),
    responsible: z.string().min(1),
    full_notice_url: z.string().url(),
  }),
});

export type AuthorityConfig = z.infer<typeof schema>;

export function loadAuthority(file: string): AuthorityConfig {
  return readConfigFile(file, schema);
}
