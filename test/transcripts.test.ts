/**
 * Plays every transcript in test/transcripts through the console channel: what a citizen types,
 * and what the bot must answer. `restart: true` restarts the bot on the same data mid-conversation.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import type { ConsoleChannel } from "../src/channels/console/adapter.js";
import { startBot, type TestBot } from "./helpers/app.js";

const DIR = join(import.meta.dirname, "transcripts");
const FIXTURES = join(import.meta.dirname, "fixtures");

const transcriptSchema = z.strictObject({
  title: z.string(),
  user: z.string().default("ana"),
  lang: z.enum(["es-MX", "en"]).optional(),
  steps: z.array(
    z.union([
      z.strictObject({ citizen: z.string() }),
      z.strictObject({ bot: z.string() }),
      z.strictObject({ not: z.string() }),
      z.strictObject({ restart: z.literal(true) }),
      z.strictObject({ as: z.string() }),
      z.strictObject({ advance_minutes: z.number() }),
    ]),
  ),
});

/** `/regex/flags` is a regular expression; anything else must appear as written. */
function matcher(pattern: string): (text: string) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (m) {
    const re = new RegExp(m[1], m[2]);
    return (t) => re.test(t);
  }
  return (t) => t.includes(pattern);
}

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

for (const file of readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort()) {
  const transcript = transcriptSchema.parse(parse(readFileSync(join(DIR, file), "utf8")));
  describe(file, () => {
    it(transcript.title, async () => {
      bot = await startBot();
      let user = transcript.user;
      let citizen: ConsoleChannel = bot.citizen(user, transcript.lang);
      let last = "";
      let line = "";
      for (const [i, step] of transcript.steps.entries()) {
        const where = `${file} step ${i + 1}`;
        if ("citizen" in step) {
          line = step.citizen.replace("fixture:", `${FIXTURES}/`);
          last = await citizen.receive(line);
        } else if ("bot" in step) {
          expect(matcher(step.bot)(last), `${where}: after «${line}» the bot said:\n${last}\nexpected ${step.bot}`).toBe(true);
        } else if ("not" in step) {
          expect(matcher(step.not)(last), `${where}: after «${line}» the bot said:\n${last}\nand must not match ${step.not}`).toBe(false);
        } else if ("restart" in step) {
          bot = await bot.restart();
          citizen = bot.citizen(user, transcript.lang);
        } else if ("as" in step) {
          user = step.as;
          citizen = bot.citizen(user, transcript.lang);
        } else if ("advance_minutes" in step) {
          bot.clock.advance(step.advance_minutes * 60_000);
        }
      }
    });
  });
}
