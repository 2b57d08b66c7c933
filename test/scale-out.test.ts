/**
 * Scale-out (docs/operations.md): two bot processes on one MongoDB database behind Telegram
 * webhooks. A balancer in front of them hands each update to either process, and a third of them
 * to both at once, as Telegram does when it retries an update whose answer it did not see. Citizens
 * file reports through the whole conversation and an announcement goes to subscribers: each update
 * is handled once (no answer twice, every report filed once), and each subscriber gets the
 * announcement once although both processes' outbox workers take rows; a citizen's messages sent at
 * once reach both processes and each is one turn of the conversation after the other. Needs MONGODB_URI (a replica
 * set, as production): skipped without it.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { openMongoStore } from "../src/store/mongo/index.js";
import { FakeBotApi } from "./fakes/bot-api.js";
import { tempDir } from "./helpers/app.js";
import { seeded } from "./helpers/chaos.js";
import { withDatabase } from "./helpers/mongo.js";
import { type Running, start } from "./helpers/process.js";
import { METEPEC, telegramReport } from "./helpers/secretariat.js";
import { freePort, processEnv } from "./helpers/service.js";
import { scheduleAnnouncement, seedSubscribers } from "./helpers/subscribers.js";

const MONGODB_URI = process.env.MONGODB_URI;
const CITIZENS = 8;
const SUBSCRIBERS = 200;
const SECRET = `scale-out-${randomUUID()}`;

/** Waits until the process answers /readyz with 200 (its store answers, its webhook is set). */
async function ready(port: number, process: Running): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
    if (res?.status === 200) return;
    if (process.child.exitCode !== null) throw new Error(`bot process ended: ${(await process.finished).stderr}`);
    if (Date.now() > deadline) throw new Error(`bot process on ${port} not ready in 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Posts an update to one process's webhook as Telegram does; resolves with the status it answered. */
async function post(url: string, body: string): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET }, body });
  await res.arrayBuffer();
  return res.status;
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe("scale-out on MongoDB", () => {
  if (!MONGODB_URI) console.info("scale-out: the two-process test was skipped: MONGODB_URI is not set");

  it.skipIf(!MONGODB_URI)(
    "two processes behind webhooks, updates delivered to either and some to both: each handled once, the announcement sent once to each subscriber",
    async () => {
      const uri = withDatabase(MONGODB_URI as string, `municipio_scale_${randomUUID().slice(0, 8)}`);
      const fake = await FakeBotApi.start();
      cleanup.push(() => fake.close());
      const seed = await openMongoStore(uri, { attempts: 1 });
      cleanup.push(async () => {
        const admin = await openMongoStore(uri, { attempts: 1 });
        await admin.connection.dropDatabase();
        await admin.close();
      });
      const now = new Date();
      const subscribers = await seedSubscribers(seed, { count: SUBSCRIBERS, first: 800_000, municipality: METEPEC, now });
      const announcement = "Sesión abierta del Secretariado Técnico, en el cabildo";
      // Due a few seconds from now, when both processes run: both workers take its rows.
      await scheduleAnnouncement(seed, { id: "A-1", municipality: METEPEC, text: announcement, at: new Date(now.getTime() + 8000), now });
      await seed.close();

      const ports = [await freePort(), await freePort()];
      const urls = ports.map((port) => `http://127.0.0.1:${port}/telegram/webhook`);
      const processes = await Promise.all(
        ports.map(async (port, i) => {
          const env = processEnv(await tempDir(), fake, {
            MONGODB_URI: uri,
            PORT: String(port),
            TELEGRAM_WEBHOOK_URL: urls[i],
            TELEGRAM_WEBHOOK_SECRET: SECRET,
            // The dispatcher looks for due announcements every 15 s; both do.
          });
          const running = start("src/main.ts", [], env);
          cleanup.push(async () => {
            running.child.kill("SIGKILL");
            await running.finished;
          });
          return running;
        }),
      );
      await Promise.all(ports.map((port, i) => ready(port, processes[i])));

      // The balancer: Telegram posts to it; it hands each update to one process, and a third to both at once.
      const random = seeded(20261129);
      let doubled = 0;
      const balancer: Server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks).toString("utf8");
        const first = Math.floor(random() * 2);
        const both = random() < 1 / 3;
        if (both) doubled++;
        const statuses = await Promise.all((both ? [first, 1 - first] : [first]).map((i) => post(urls[i], body)));
        res.writeHead(statuses.every((s) => s === 200) ? 200 : 502).end();
      });
      await new Promise<void>((resolve) => balancer.listen(0, "127.0.0.1", resolve));
      cleanup.push(() => new Promise<void>((resolve) => balancer.close(() => resolve())));
      fake.webhook = { url: `http://127.0.0.1:${(balancer.address() as AddressInfo).port}/`, secret: SECRET };

      const citizens = Array.from({ length: CITIZENS }, (_, i) => fake.user(700_000 + i));
      const folios = await Promise.all(citizens.map((c) => telegramReport(c, { wait: 20_000 })));
      await fake.until(
        () => (subscribers.every((chat) => fake.chat(chat).some((m) => m.text.includes(announcement))) ? true : undefined),
        60_000,
        "the announcement at every subscriber",
      );
      // Time for anything sent twice to show.
      await new Promise((r) => setTimeout(r, 2000));

      expect(doubled).toBeGreaterThan(0);
      expect(fake.deliveries.filter((d) => d.status !== 200)).toEqual([]);
      // Each update handled once: no citizen got any answer twice, and none was told something failed.
      for (const c of citizens) {
        const texts = c.messages.map((m) => m.sentText ?? m.text);
        expect(texts.filter((t, i) => texts.indexOf(t) !== i)).toEqual([]);
        expect(texts.filter((t) => /problema técnico|problemas técnicos/.test(t))).toEqual([]);
      }
      expect(new Set(folios).size).toBe(CITIZENS);
      const check = await openMongoStore(uri, { attempts: 1 });
      cleanup.push(() => check.close());
      const reports = await check.reports.list({}, 1000);
      expect(reports.map((r) => r.folio).sort()).toEqual([...folios].sort());
      // Each subscriber once.
      const counts = subscribers.map((chat) => fake.chat(chat).filter((m) => m.text.includes(announcement)).length);
      expect(counts.filter((n) => n !== 1)).toEqual([]);

      // A citizen who writes several messages at once: Telegram posts them side by side, the balancer hands
      // them to both processes, and each process's turn in the conversation waits for the other's. Each turn
      // adds its message to those the conversation remembers; one run beside another saved over it.
      const hasty = fake.user(799_999);
      const lines = ["hola", "menú", "ayuda", "menú", "hola", "ayuda"];
      await Promise.all(lines.map((line) => hasty.say(line)));
      let handled = 0;
      for (const deadline = Date.now() + 30_000; handled < lines.length && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 200));
        handled = (await check.conversations.get("telegram:799999"))?.handled?.length ?? 0;
      }
      expect(handled).toBe(lines.length);
    },
    240_000,
  );
});
