/**
 * `npm run --silent chat [-- --user ID] [-- --lang en]`: talk to the bot from a terminal or a pipe.
 * Logs go to stderr, so stdout carries only the conversation.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { createApp } from "./app.js";
import { runConsole } from "./channels/console/adapter.js";
import { loadConfig } from "./config/settings.js";
import { LANGUAGES, type Language, languageFromHint } from "./locale/languages.js";
import { createLogger } from "./util/logger.js";

async function main(): Promise<number> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const { values } = parseArgs({
    options: { user: { type: "string", default: "local" }, lang: { type: "string" } },
    allowPositionals: false,
  });
  if (values.lang && !LANGUAGES.includes(values.lang as Language) && values.lang !== "es") {
    process.stderr.write(`--lang accepts ${LANGUAGES.join(" or ")}\n`);
    return 2;
  }
  const hint = values.lang;
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? "warn", process.stderr);
  const app = await createApp(config, { logger });
  const lang = languageFromHint(hint, app.defaultLanguage);
  await runConsole({
    service: app.conversations,
    texts: app.texts,
    input: process.stdin,
    output: process.stdout,
    user: values.user ?? "local",
    lang,
    color: process.stdout.isTTY === true,
  });
  await app.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`municipio-abierto: ${err.message}\n`);
    process.exit(1);
  },
);
