/**
 * The transcript runner: plays every transcript in test/transcripts through a channel (the console, or
 * the web chat's HTTP API with its stream of notices; test/transcripts.*.test.ts run it on each):
 * what a citizen types, and what the bot must answer.
 *
 * Steps:
 *   citizen: what the current citizen types (`/location LAT LON`, `/photo fixture:bache.png`)
 *   bot: / not:   a text, or a `/regex/flags`, the last answer must (not) hold
 *   replies: N    the last answer was exactly N messages
 *   choices: [..] the choices of the last answer's last message, in order ([] for none)
 *   staff: { folio, status | answer | internal_note | publish, note, area, duplicate_of }
 *                 a member of the Secretariado Técnico acts on a report; the last answer becomes what the
 *                 current citizen receives (the notices, and a question after them)
 *   as: NAME      another citizen; the last answer becomes what reached them meanwhile
 *   restart: true the bot restarts on the same data mid-conversation
 *   advance_minutes: N
 *   plan: metepec | demo
 *                 imports a Plan de Acción for Metepec with dates around the clock's today (test/helpers/plans.ts),
 *                 or loads the shipped example as `plan import --demo` does
 *
 * Every answer is seen as the console shows it: each message's text, its choices numbered. A named
 * group in a `bot:` pattern, such as `(?<folio>MET-\d{4}-000001)`, remembers what it matched, and
 * `${folio}` in a later line stands for it: a folio's year comes from the clock, never from the transcript.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { formatConsoleReply } from "../../src/channels/console/adapter.js";
import { ALL_MUNICIPALITIES, type Member } from "../../src/domain/model/member.js";
import type { OutboundMessage } from "../../src/domain/model/message.js";
import { readPlanFile } from "../../src/domain/plan/plan-file.js";
import { importPlan, metepecPlan } from "./plans.js";
import { type Driver, type DriverName, startDriver } from "./transcript-drivers.js";

const DIR = join(import.meta.dirname, "..", "transcripts");
const FIXTURES = join(import.meta.dirname, "..", "fixtures");

const staffSchema = z
  .strictObject({
    folio: z.string(),
    status: z.string().optional(),
    answer: z.string().optional(),
    internal_note: z.string().optional(),
    /** The description a member publishes (moderated), which anyone may read. */
    publish: z.string().optional(),
    note: z.string().optional(),
    area: z.string().optional(),
    duplicate_of: z.string().optional(),
  })
  .refine((s) => [s.status, s.answer, s.internal_note, s.publish].filter((v) => v !== undefined).length === 1, {
    message: "a staff step does one thing: status, answer, internal_note or publish",
  });

const transcriptSchema = z.strictObject({
  title: z.string(),
  user: z.string().default("ana"),
  lang: z.enum(["es-MX", "en"]).optional(),
  steps: z.array(
    z.union([
      z.strictObject({ citizen: z.string() }),
      z.strictObject({ bot: z.string() }),
      z.strictObject({ not: z.string() }),
      z.strictObject({ replies: z.number().int().min(0) }),
      z.strictObject({ choices: z.array(z.string()) }),
      z.strictObject({ staff: staffSchema }),
      z.strictObject({ restart: z.literal(true) }),
      z.strictObject({ as: z.string() }),
      z.strictObject({ advance_minutes: z.number() }),
      z.strictObject({ plan: z.enum(["metepec", "demo"]) }),
    ]),
  ),
});

/** The member every `staff:` step acts as. */
const STAFF: Member = {
  id: "m-transcripts",
  name: "Secretariado Técnico",
  role: "admin",
  municipalities: [ALL_MUNICIPALITIES],
  telegramId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

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

/** A member's act, as the secretariat's faces do it: on the version they see. */
async function act(driver: Driver, step: z.infer<typeof staffSchema>, vars: Map<string, string>, where: string): Promise<void> {
  const { store, secretariat } = driver.bot.app;
  const folio = fill(step.folio, vars, where);
  const report = await store.reports.byFolio(folio);
  if (!report) throw new Error(`${where}: no report ${folio}`);
  const { triage } = secretariat;
  const result =
    step.status !== undefined
      ? await triage.changeStatus(report.id, report.version, STAFF, {
          to: step.status,
          note: step.note === undefined ? undefined : fill(step.note, vars, where),
          area: step.area,
          duplicateOf: step.duplicate_of === undefined ? undefined : fill(step.duplicate_of, vars, where),
        })
      : step.answer !== undefined
        ? await triage.answer(report.id, report.version, STAFF, fill(step.answer, vars, where))
        : step.publish !== undefined
          ? await triage.publish(report.id, report.version, STAFF, { description: fill(step.publish, vars, where), photos: [] })
          : await triage.addNote(report.id, report.version, STAFF, fill(step.internal_note ?? "", vars, where));
  if (!result.ok) throw new Error(`${where}: the member's act was refused: ${result.problem}`);
}

/** Every transcript, played through one channel (one test each). */
export function playTranscripts(channel: DriverName): void {
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  describe(`transcripts on the ${channel} channel`, () => {
    for (const file of files) {
      const transcript = transcriptSchema.parse(parse(readFileSync(join(DIR, file), "utf8")));
      it(`${file}: ${transcript.title}`, async () => {
        const d = await startDriver(channel);
        driver = d;
        let user = transcript.user;
        let answer: OutboundMessage[] = [];
        let last = "";
        let line = "";
        const vars = new Map<string, string>();
        const show = (messages: OutboundMessage[]) => {
          answer = messages;
          last = messages.map((m) => formatConsoleReply(m, d.bot.app.texts)).join("");
        };
        for (const [i, step] of transcript.steps.entries()) {
          const where = `${file} step ${i + 1} (${channel})`;
          const said = () => `after «${line}» the bot said:\n${last}\n`;
          if ("citizen" in step) {
            line = fill(step.citizen, vars, where).replace("fixture:", `${FIXTURES}/`);
            // A person types a few seconds apart: the flood limit is tested on its own (limits.test.ts).
            d.bot.clock.advance(3000);
            show(await d.say(user, transcript.lang, line));
          } else if ("bot" in step) {
            const pattern = fill(step.bot, vars, where);
            expect(matcher(pattern, vars)(last), `${where}: ${said()}expected ${pattern}`).toBe(true);
          } else if ("not" in step) {
            const pattern = fill(step.not, vars, where);
            expect(matcher(pattern, vars)(last), `${where}: ${said()}and must not match ${pattern}`).toBe(false);
          } else if ("replies" in step) {
            expect(answer.length, `${where}: ${said()}expected ${step.replies} messages`).toBe(step.replies);
          } else if ("choices" in step) {
            const labels = (answer.at(-1)?.choices ?? []).map((c) => c.label);
            expect(labels, `${where}: ${said()}expected the choices ${JSON.stringify(step.choices)}`).toEqual(step.choices.map((c) => fill(c, vars, where)));
          } else if ("staff" in step) {
            line = `(a member: ${JSON.stringify(step.staff)})`;
            await act(d, step.staff, vars, where);
            show(await d.received(user));
          } else if ("restart" in step) {
            await d.restart();
          } else if ("as" in step) {
            user = step.as;
            line = `(now ${user})`;
            show(await d.received(user));
          } else if ("advance_minutes" in step) {
            d.bot.clock.advance(step.advance_minutes * 60_000);
          } else if ("plan" in step) {
            if (step.plan === "metepec") await importPlan(d.bot.app, metepecPlan(d.bot.clock.now()));
            else {
              const file = "examples/plan-de-accion.example.yaml";
              const read = readPlanFile(file, readFileSync(file, "utf8"));
              await d.bot.app.plans.import(read.plan, read.where, { demo: true });
            }
          }
        }
      });
    }
  });
}
