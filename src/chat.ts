/**
 * `npm run --silent chat [-- --user ID] [-- --lang en]`: talk to the bot from a terminal or a pipe.
 * With a bot running on the same embedded store (`npm start`), the console talks to that bot
 * through its socket in DATA_DIR; otherwise it runs the bot in this process. Logs go to stderr,
 * so stdout carries only the conversation.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "./app.js";
import { type ConsoleOptions, runConsole } from "./channels/console/adapter.js";
import { CONSOLE_SOCKET, RemoteConsole } from "./channels/console/socket.js";
import { loadDeployment } from "./config/deployment.js";
import { loadConfig, secretValues } from "./config/settings.js";
import { LANGUAGES, type Language, languageFromHint } from "./locale/languages.js";
import { loadTexts } from "./locale/texts.js";
import { createLogger } from "./util/logger.js";
import { redactSecrets } from "./util/secrets.js";

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
  const session = (defaultLanguage: Language): Omit<ConsoleOptions, "service" | "texts"> => ({
    input: process.stdin,
    output: process.stdout,
    user: values.user ?? "local",
    lang: languageFromHint(hint, defaultLanguage),
    color: process.stdout.isTTY === true,
  });
  // The embedded store belongs to one process: when the bot runs, it is asked through its socket.
  const running = config.MONGODB_URI ? null : await RemoteConsole.connect(join(config.DATA_DIR, CONSOLE_SOCKET));
  if (running) {
    try {
      const deployment = loadDeployment(join(config.CONFIG_DIR, "deployment.yaml"));
      const texts = await loadTexts(config.LOCALES_DIR, deployment);
      await runConsole({ ...session(config.DEFAULT_LANGUAGE ?? deployment.defaultLanguage), service: running, texts });
    } finally {
      running.close();
    }
    return 0;
  }
  const logger = createLogger(process.env.LOG_LEVEL ?? "warn", process.stderr);
  const app = await createApp(config, { logger });
  await runConsole({ ...session(app.defaultLanguage), service: app.conversations, texts: app.texts });
  await app.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`municipio-abierto: ${redactSecrets(err.message, secretValues())}\n`);
    process.exit(1);
  },
);
