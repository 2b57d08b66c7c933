/**
 * `npm run admin -- <command>`: administration from the command line.
 *   member add|list|remove|password, reports list   the secretariat (secretariat/admin-commands.ts)
 *   announce, announce status|cancel, channel link   announcements (secretariat/announce-commands.ts)
 *   migrate --to mongo   copy the embedded store (DATA_DIR) into MongoDB (MONGODB_URI), insert-only
 *   plan …               the Planes de Acción: import, export, link (secretariat/plan-commands.ts)
 * On the embedded store, while the bot runs (it holds DATA_DIR), the secretariat's and the plan's
 * commands are run by the bot itself through its console socket (readable by its owner only).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Presets, SingleBar } from "cli-progress";
import { adminDeps, createApp } from "../app.js";
import { CONSOLE_SOCKET, RemoteConsole } from "../channels/console/socket.js";
import { createOutboxApi } from "../channels/telegram/bot.js";
import { loadConfig, secretValues } from "../config/settings.js";
import { type AdminOutcome, runAdmin, SECRETARIAT_COMMANDS, SECRETARIAT_USAGE } from "../secretariat/admin-commands.js";
import { checkChatRights } from "../secretariat/chat-rights.js";
import { absolutePlanPaths, PLAN_USAGE } from "../secretariat/plan-commands.js";
import { migrationSecret } from "../store/data-secret.js";
import { openMongoStore } from "../store/mongo/index.js";
import { createLogger } from "../util/logger.js";
import { redactSecrets } from "../util/secrets.js";
import { type MigrationProgress, migrateToMongo } from "./migrate.js";
import { planCommand } from "./plan-commands.js";

const USAGE = `usage: npm run admin -- <command>

${SECRETARIAT_USAGE}
  migrate --to mongo   copies everything the embedded store in DATA_DIR holds (counters, citizens,
                       conversations, reports, inbound ids, the outbox, the audit trail, members,
                       linked chats, follows, cards, questions in groups, handoffs, plans,
                       commitments and their follows, announcements
                       and their subscribers, and photos)
                       into MongoDB at MONGODB_URI. Insert-only:
                       what MongoDB already has (same id) is kept as it is, never overwritten by the
                       older copy; counters only move forward. Safe to run again, also after the
                       bot has run on MongoDB. Stop the bot first: the embedded store has one process.
${PLAN_USAGE}`;

/** A bar per collection on a terminal; one line per collection otherwise (logs, CI). */
function progressBar(): MigrationProgress {
  const tty = process.stderr.isTTY;
  let bar: SingleBar | undefined;
  let name = "";
  let total = 0;
  return {
    start(collection, count) {
      name = collection;
      total = count;
      if (!tty) return;
      bar = new SingleBar({ format: `${collection.padEnd(14)} {bar} {value}/{total}`, stream: process.stderr }, Presets.shades_classic);
      bar.start(count, 0);
    },
    tick(count = 1) {
      bar?.increment(count);
    },
    finish() {
      bar?.stop();
      if (!tty) process.stderr.write(`${name.padEnd(14)} ${total}/${total}\n`);
    },
  };
}

/** What the last command printed (the id of an announcement it scheduled). */
let lastOutput = "";

function print(outcome: AdminOutcome): number {
  lastOutput = outcome.stdout;
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  return outcome.code;
}

/** A secretariat command: by the running bot when it holds the embedded store, else here. */
async function secretariat(argv: string[]): Promise<number> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  // The bot may run elsewhere: a photo is named by its full path.
  const args = argv.map((a, i) => (argv[i - 1] === "--photo" ? resolve(a) : a));
  const running = config.MONGODB_URI ? null : await RemoteConsole.connect(join(config.DATA_DIR, CONSOLE_SOCKET));
  if (running) {
    try {
      const code = print(await running.admin(args));
      if (code === 0 && isAnnouncing(args)) await followAnnouncement(lastOutput, (line) => running.admin(line));
      return code;
    } finally {
      running.close();
    }
  }
  const app = await createApp(config, { logger: createLogger(process.env.LOG_LEVEL ?? "warn", process.stderr) });
  const token = config.TELEGRAM_BOT_TOKEN;
  const api = token ? createOutboxApi({ token, apiRoot: config.TELEGRAM_API_ROOT, logger: app.logger }) : undefined;
  try {
    const deps = adminDeps(app, api ? (chat) => checkChatRights(api, chat) : undefined);
    const code = print(await runAdmin(args, deps));
    // On MongoDB the running bots send it: follow it here. On the embedded store nothing sends while this holds DATA_DIR.
    if (code === 0 && isAnnouncing(args)) {
      if (config.MONGODB_URI) await followAnnouncement(lastOutput, (line) => runAdmin(line, deps));
      else process.stderr.write("the bot is not running: the announcement goes out once it starts (npm start)\n");
    }
    return code;
  } finally {
    await app.close();
  }
}

/** A plan command: by the running bot when it holds the embedded store, else here. */
async function plans(argv: string[]): Promise<number> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  const running = config.MONGODB_URI ? null : await RemoteConsole.connect(join(config.DATA_DIR, CONSOLE_SOCKET));
  if (running) {
    try {
      return print(await running.admin(["plan", ...absolutePlanPaths(argv)]));
    } finally {
      running.close();
    }
  }
  return planCommand(argv, config, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

/** `announce …` that schedules one (not status or cancel). */
function isAnnouncing(argv: string[]): boolean {
  return argv[0] === "announce" && (argv[1] === undefined || argv[1].startsWith("--"));
}

/**
 * A bar of the announcement going out (sent and failed out of all), until nothing is pending; a
 * scheduled one is not followed. Gives up following (the sending goes on) after a minute without progress.
 */
async function followAnnouncement(scheduled: string, status: (argv: string[]) => Promise<AdminOutcome>): Promise<void> {
  const id = /^(A-\d+) .* going out now/.exec(scheduled)?.[1];
  if (!id) return;
  const tty = process.stderr.isTTY;
  const bar = tty ? new SingleBar({ format: `${id} {bar} {value}/{total} sent, {failed} failed`, stream: process.stderr }, Presets.shades_classic) : undefined;
  let last = -1;
  let still = Date.now();
  for (;;) {
    const line = (await status(["announce", "status", id])).stdout;
    const m = /sent (\d+) · pending (\d+) · failed (\d+)/.exec(line);
    if (!m) return;
    const [sent, pending, failed] = m.slice(1).map(Number);
    const total = sent + pending + failed;
    if (total > 0 && last === -1) bar?.start(total, 0, { failed: 0 });
    bar?.update(sent, { failed });
    if (total > 0 && pending === 0 && /\bsent\b/.test(line.split("  ")[1] ?? "")) {
      bar?.stop();
      process.stdout.write(`${id}: ${sent} sent, ${failed} failed of ${total}\n`);
      return;
    }
    if (sent + failed !== last) {
      last = sent + failed;
      still = Date.now();
    } else if (Date.now() - still > 60_000) {
      bar?.stop();
      process.stdout.write(`${id}: ${sent} sent, ${pending} pending, ${failed} failed; it goes on: npm run admin -- announce status ${id}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(argv: string[]): Promise<number> {
  if (SECRETARIAT_COMMANDS.includes(argv[0])) return secretariat(argv);
  if (argv[0] === "plan") return plans(argv.slice(1));
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { to: { type: "string" }, help: { type: "boolean" } } });
  if (values.help || positionals[0] !== "migrate" || values.to !== "mongo") {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  if (!config.MONGODB_URI) {
    process.stderr.write("municipio-abierto admin: set MONGODB_URI to the MongoDB to copy into\n");
    return 2;
  }
  if (!existsSync(config.DATA_DIR)) {
    process.stderr.write(`municipio-abierto admin: no embedded store at ${config.DATA_DIR} (DATA_DIR)\n`);
    return 2;
  }
  const mongo = await openMongoStore(config.MONGODB_URI);
  try {
    const result = await migrateToMongo(
      config.DATA_DIR,
      mongo,
      progressBar(),
      mongo.sharedFiles ? await migrationSecret(config, mongo.sharedFiles) : config.DATA_SECRET,
    );
    const summary = Object.entries(result)
      .map(([name, r]) => `${name} ${r.copied} copied, ${r.kept} already there (kept)`)
      .join("; ");
    process.stdout.write(`from ${config.DATA_DIR} into MongoDB: ${summary}\n`);
    const conflicts = Object.entries(result).flatMap(([name, r]) => r.conflicts.map((c) => `${name}: ${c}`));
    if (conflicts.length === 0) return 0;
    process.stderr.write(
      `municipio-abierto admin: ${conflicts.length} not copied, they clash with what MongoDB has:\n${conflicts.map((c) => `  ${c}\n`).join("")}`,
    );
    return 1;
  } finally {
    await mongo.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`municipio-abierto admin: ${redactSecrets(err.message, secretValues())}\n`);
    process.exit(1);
  },
);
