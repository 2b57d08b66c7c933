/**
 * Plays every transcript in test/transcripts through the console channel: what a citizen types,
 * and what the bot must answer. `restart: true` restarts the bot on the same data mid-conversation.
 * A named group in a `bot:` pattern, such as `(?<folio>MET-\d{4}-000001)`, remembers what it matched,
 * and `${folio}` in a later line stands for it: a folio's year comes from the clock, never from the
 * transcript.
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

/** `/regex/flags` is a regular expression (its named groups are kept in `vars`); anything else must appear as written. */
function matcher(pattern: string, vars: Map<string, string>): (text: string) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (m) {
    const re = new RegExp(m[1], m[2]);
    return (t) => {
      const found = re.exec(t);
      for (const [name, value] of Object.entries(found?.groups ?? {})) if (value !== undefined) vars.set(name, value);
      return found !== null;
    };
  }
  return (t) => t.includes(pattern);
}

/** `${name}` → what a named group matched earlier in the transcript. */
function fill(line: string, vars: Map<string, string>, where: string): string {
  return line.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = vars.get(name);
    if (value === undefined) throw new Error(`${where}: \${${name}} was not matched by an earlier bot line`);
    return value;
  });
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
      const vars = new Map<string, string>();
      for (const [i, step] of transcript.steps.entries()) {
        const where = `${file} step ${i + 1}`;
        if ("citizen" in step) {
          line = fill(step.citizen, vars, where).replace("fixture:", `${FIXTURES}/`);
          // A person types a few seconds apart: the flood limit is tested on its own (limits.test.ts).
          bot.clock.advance(3000);
          last = await citizen.receive(line);
        } else if ("bot" in step) {
          const pattern = fill(step.bot, vars, where);
          expect(matcher(pattern, vars)(last), `${where}: after «${line}» the bot said:\n${last}\nexpected ${pattern}`).toBe(true);
        } else if ("not" in step) {
          const pattern = fill(step.not, vars, where);
          expect(matcher(pattern, vars)(last), `${where}: after «${line}» the bot said:\n${last}\nand must not match ${pattern}`).toBe(false);
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
