/**
 * `npm run backup:test`: the backups docs/operations.md describes, done for real and restored. For
 * each store, a bot (against a fake Telegram) gets a report with a photo, a conversation left half
 * way and a message scheduled in the outbox; it is stopped, backed up as the docs say, restored
 * somewhere fresh, and a bot started there must find the same reports (compared folio by folio),
 * the photo, the conversation (which goes on from its step) and the outbox row. The embedded store
 * always; MongoDB when MONGODB_URI is set and mongodump and mongorestore are installed, otherwise
 * one line saying why it was skipped. Exits 1 with what differed.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isDeepStrictEqual, promisify } from "node:util";
import type { Store } from "../src/store/ports.js";
import { FakeBotApi } from "../test/fakes/bot-api.js";
import { tempDir } from "../test/helpers/app.js";
import { withDatabase } from "../test/helpers/mongo.js";
import { telegramReport } from "../test/helpers/secretariat.js";
import { type RunningBot, runBot, telegramEnv } from "../test/helpers/service.js";

const exec = promisify(execFile);

/** The citizen who files a report, the one left half way, and the row waiting in the outbox. */
const FILED = 7301;
const HALF_WAY = 7302;
const SCHEDULED = "backup-test:scheduled-notice";

/** What a backup must keep, read from a running bot's store. */
async function snapshot(store: Store) {
  const reports = await store.reports.list({}, 100_000);
  const photos = await Promise.all(reports.flatMap((r) => r.photos).map(async (id) => (await store.media.get(id))?.data.length ?? null));
  return {
    reports: Object.fromEntries(reports.map((r) => [r.folio, JSON.parse(JSON.stringify(r))])),
    photos,
    conversation: JSON.parse(JSON.stringify((await store.conversations.get(`telegram:${HALF_WAY}`))?.state ?? null)),
    outbox: JSON.parse(JSON.stringify(await store.outbox.get(SCHEDULED))),
  };
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** A bot on `env` gets its data: a report with a photo, a conversation at the municipality question, a notice for next week. */
async function fill(fake: FakeBotApi, env: Record<string, string>, dataDir: string | undefined): Promise<Snapshot> {
  let bot: RunningBot | undefined;
  try {
    bot = await runBot({ ...telegramEnv(fake), ...env }, dataDir ? { dataDir } : {});
    await telegramReport(fake.user(FILED), { photo: true, wait: 20_000 });
    const half = fake.user(HALF_WAY);
    await half.say("/reportar");
    await half.press("Sí", undefined, 20_000);
    await half.expect("Comparte tu ubicación", 20_000);
    const now = bot.clock.now();
    await bot.service.app.store.outbox.add([
      {
        id: SCHEDULED,
        channel: "telegram",
        chatId: String(FILED),
        kind: "notice",
        payload: { id: SCHEDULED, lang: "es-MX", text: "Aviso programado" },
        createdAt: now,
        notBefore: new Date(now.getTime() + 7 * 24 * 3600_000),
      },
    ]);
    return await snapshot(bot.service.app.store);
  } finally {
    await bot?.stop();
  }
}

/** A bot on the restored data: what `before` held must be there, and the half-way conversation goes on. */
async function check(fake: FakeBotApi, env: Record<string, string>, dataDir: string | undefined, before: Snapshot): Promise<string[]> {
  let bot: RunningBot | undefined;
  const problems: string[] = [];
  try {
    bot = await runBot({ ...telegramEnv(fake), ...env }, dataDir ? { dataDir } : {});
    const after = await snapshot(bot.service.app.store);
    const folios = Object.keys(before.reports);
    if (folios.length === 0) problems.push("no report was filed before the backup");
    for (const folio of folios) if (!isDeepStrictEqual(before.reports[folio], after.reports[folio])) problems.push(`report ${folio} differs after the restore`);
    for (const folio of Object.keys(after.reports)) if (!(folio in before.reports)) problems.push(`report ${folio} appeared after the restore`);
    if (before.photos.length === 0 || !isDeepStrictEqual(before.photos, after.photos)) problems.push("the report's photo is not restored");
    if (before.conversation === null || !isDeepStrictEqual(before.conversation, after.conversation))
      problems.push("the conversation left half way is not restored");
    if (before.outbox === null || !isDeepStrictEqual(before.outbox, after.outbox)) problems.push("the scheduled outbox row is not restored");
    const half = fake.user(HALF_WAY);
    await half.say("Metepec");
    await half.expect("¿Qué tipo de problema es, en Metepec?", 20_000).catch(() => problems.push("the conversation left half way does not go on"));
  } finally {
    await bot?.stop();
  }
  return problems;
}

/** Embedded store: stop, `tar czf` the data folder, restore it elsewhere with `tar xzf`, start there. */
async function embedded(fake: FakeBotApi): Promise<string[]> {
  const root = await tempDir("ma-backup-");
  const dataDir = join(root, "data");
  const before = await fill(fake, {}, dataDir);
  const archive = join(root, "backup.tgz");
  await exec("tar", ["czf", archive, "-C", dirname(dataDir), basename(dataDir)]);
  const restored = join(root, "restored");
  await mkdir(restored);
  await exec("tar", ["xzf", archive, "-C", restored]);
  const problems = await check(fake, {}, join(restored, "data"), before);
  await rm(root, { recursive: true, force: true });
  return problems;
}

async function installed(tool: string): Promise<boolean> {
  return exec(tool, ["--version"]).then(
    () => true,
    () => false,
  );
}

/** MongoDB: stop, `mongodump --archive --gzip` the database, `mongorestore` it into a fresh one, start there. */
async function mongodb(fake: FakeBotApi, uri: string): Promise<string[]> {
  const suffix = randomUUID().slice(0, 8);
  const source = `ma_backup_${suffix}`;
  const target = `ma_restore_${suffix}`;
  const root = await tempDir("ma-backup-");
  const archive = join(root, "backup.archive.gz");
  const env = (db: string) => ({ MONGODB_URI: withDatabase(uri, db) });
  try {
    const before = await fill(fake, env(source), undefined);
    await exec("mongodump", [`--uri=${withDatabase(uri, source)}`, `--archive=${archive}`, "--gzip", "--quiet"]);
    await exec("mongorestore", [
      // No database in the URI: where to restore is said by --nsTo.
      `--uri=${withDatabase(uri, "")}`,
      `--archive=${archive}`,
      "--gzip",
      "--quiet",
      `--nsFrom=${source}.*`,
      `--nsTo=${target}.*`,
    ]);
    return await check(fake, env(target), undefined, before);
  } finally {
    await rm(root, { recursive: true, force: true });
    const { openMongoStore } = await import("../src/store/mongo/index.js");
    for (const db of [source, target]) {
      const store = await openMongoStore(uri, { dbName: db, attempts: 1 }).catch(() => null);
      await store?.connection.dropDatabase();
      await store?.close();
    }
  }
}

async function main(): Promise<number> {
  let failed = false;
  const report = (store: string, problems: string[]) => {
    if (problems.length === 0) return console.log(`${store}: backed up, restored, and the restored bot has every report, photo, conversation and outbox row`);
    failed = true;
    console.log(`${store}: FAILED\n${problems.map((p) => `  ${p}`).join("\n")}`);
  };
  // One Telegram throughout: its update ids keep growing, as Telegram's do across a restore.
  const fake = await FakeBotApi.start();
  report("embedded store", await embedded(fake));
  const uri = process.env.MONGODB_URI;
  const missing = [];
  for (const tool of ["mongodump", "mongorestore"]) if (!(await installed(tool))) missing.push(tool);
  if (!uri) console.log("MongoDB: skipped, MONGODB_URI is not set");
  else if (missing.length) console.log(`MongoDB: skipped, ${missing.join(" and ")} not installed (MongoDB Database Tools)`);
  else report("MongoDB", await mongodb(fake, uri));
  await fake.close();
  return failed ? 1 : 0;
}

process.exit(await main());
