/**
 * First messages, as people write them: of messages that tell a public problem, how many open a report;
 * of messages that ask or say something else (a status, thanks, a fix, a question, a greeting, spam),
 * how many open one all the same. Each is the first message of a new chat on the console channel, on
 * the embedded store in memory, and what it opened is the conversation's flow afterwards.
 * The messages (data/first-messages-*.txt, one a line, `en|` for English) were written for this by
 * someone who had not read the corpora; they are in no corpus.
 *   npm run bench:first              figures
 *   npm run bench:first -- --misses  and every message the bot took the wrong way
 */
import { readFileSync } from "node:fs";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { readState } from "../src/conversation/state.js";
import { citizenId } from "../src/domain/model/citizen.js";
import type { Language } from "../src/locale/languages.js";
import { startBot } from "../test/helpers/app.js";

const REPORT_FLOW = "report";
const showMisses = process.argv.includes("--misses");
const bot = await startBot();
const { app } = bot;

function read(file: string): { lang: Language; text: string }[] {
  return readFileSync(new URL(`data/${file}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("#"))
    .map((line) => (line.startsWith("en|") ? { lang: "en" as Language, text: line.slice(3) } : { lang: app.defaultLanguage, text: line }));
}

let n = 0;
/** The flow the first message opened. */
async function opened(text: string, lang: Language): Promise<string | undefined> {
  const user = `first-${n++}`;
  await new ConsoleChannel({ service: app.conversations, texts: app.texts, user, lang }).messages(text);
  const record = await app.store.conversations.get(citizenId("console", user));
  return readState(record?.state)?.flow;
}

for (const [file, tellsProblem] of [
  ["first-messages-report.txt", true],
  ["first-messages-other.txt", false],
] as const) {
  const messages = read(file);
  const misses: string[] = [];
  for (const { lang, text } of messages) {
    const flow = await opened(text, lang);
    if ((flow === REPORT_FLOW) !== tellsProblem) misses.push(`${lang === "en" ? "en|" : ""}${text}  → ${flow ?? "(none)"}`);
  }
  const right = messages.length - misses.length;
  console.log(
    tellsProblem
      ? `tell a problem: ${right} of ${messages.length} open a report (${((100 * right) / messages.length).toFixed(1)} %)`
      : `say something else: ${misses.length} of ${messages.length} open a report (${((100 * misses.length) / messages.length).toFixed(1)} %)`,
  );
  if (showMisses) for (const m of misses) console.log(`  ${m}`);
}
await bot.close();
