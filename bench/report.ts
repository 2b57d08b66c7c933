/**
 * `npm run bench`: the report conversation for 1,000 concurrent simulated citizens on the embedded
 * store, side by side with the same conversation written with @grammyjs/conversations (memory
 * storage, API calls swallowed by a transformer) driven through bot.handleUpdate; and point →
 * municipality lookups. Prints figures; asserts nothing.
 */

import { type Conversation, type ConversationFlavor, conversations, createConversation } from "@grammyjs/conversations";
import { Bot, type Context, type Transformer } from "grammy";
import type { Update } from "grammy/types";
import { createApp } from "../src/app.js";
import { loadDeployment } from "../src/config/deployment.js";
import { loadConfig } from "../src/config/settings.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { summarize, wave } from "./stats.js";

const USERS = Number(process.env.BENCH_USERS ?? 1000);
/** The report conversation as a citizen types it. */
const SCRIPT = ["hola", "1", "si", "Metepec", "2", "Hay un bache enorme frente a la escuela primaria", "omitir", "omitir", "1", "1"];
/** Once potholes in Metepec are open, the same citizen is offered to follow one first: it is another problem. */
const SCRIPT_AFTER = [...SCRIPT.slice(0, 5), "Es otro problema", ...SCRIPT.slice(5)];

async function benchEngine(inMemoryStore: boolean): Promise<{ perSecond: number; p99: number }> {
  const config = loadConfig({ DATA_DIR: await tempDir("ma-bench-") });
  const app = await createApp(config, { logger: createLogger("silent"), inMemoryStore });
  const latencies: number[] = [];
  let folios = 0;
  const t0 = performance.now();
  for (const [i, text] of SCRIPT.entries()) {
    await wave(
      USERS,
      (u) =>
        app.conversations.handle({ channel: "web", chatId: `u${u}`, messageId: `u${u}-${i}`, content: { type: "text", text } }, async (_c, m) => {
          if (m.text.includes("folio MET-")) folios++;
        }),
      latencies,
    );
  }
  const label = inMemoryStore ? "municipio abierto (embedded store in memory)" : "municipio abierto (embedded store on disk)";
  const result = summarize(label, latencies, performance.now() - t0);
  console.log(`  reports saved: ${await app.store.reports.count()}, folios sent: ${folios}`);
  // The same conversation once more for 200 new citizens, one message at a time: latency without queueing.
  const alone: number[] = [];
  for (let u = 0; u < 200; u++) {
    for (const [i, text] of SCRIPT_AFTER.entries()) {
      const t = performance.now();
      await app.conversations.handle({ channel: "web", chatId: `s${u}`, messageId: `s${u}-${i}`, content: { type: "text", text } }, async () => {});
      alone.push(performance.now() - t);
    }
  }
  summarize(
    "  same, one message at a time (no queueing)",
    alone,
    alone.reduce((a, b) => a + b, 0),
  );
  await app.close();
  return result;
}

type Ctx = ConversationFlavor<Context>;

async function benchGrammyConversations(): Promise<{ perSecond: number; p99: number }> {
  const municipalities = Municipalities.load("data", loadDeployment("config/deployment.yaml"));
  const bot = new Bot<Ctx>("1:bench", {
    botInfo: {
      id: 1,
      is_bot: true,
      first_name: "bench",
      username: "bench_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
    } as never,
  });
  let sentMessages = 0;
  // Every API call is answered locally by a transformer: nothing leaves the process.
  const swallow: Transformer = async (_prev, method, payload) => {
    sentMessages++;
    const chat = { id: (payload as { chat_id: number }).chat_id, type: "private" };
    return { ok: true, result: method === "sendMessage" ? { message_id: sentMessages, date: 0, chat, text: "" } : true } as never;
  };
  bot.api.config.use(swallow);
  let folioSeq = 0;
  let folios = 0;
  async function report(conversation: Conversation<Ctx, Ctx>, ctx: Ctx) {
    await ctx.reply("Aviso de privacidad… ¿Aceptas?", { reply_markup: { inline_keyboard: [[{ text: "Sí", callback_data: "yes" }]] } });
    const consent = await conversation.waitFor("message:text");
    if (!/^(si|sí|1)$/i.test(consent.message.text)) return ctx.reply("No guardamos nada.");
    await ctx.reply("¿En qué municipio está el problema?");
    let municipality = municipalities.search((await conversation.waitFor("message:text")).message.text)[0];
    while (!municipality) {
      await ctx.reply("No encontré ese municipio.");
      municipality = municipalities.search((await conversation.waitFor("message:text")).message.text)[0];
    }
    await ctx.reply(`¿Qué tipo de problema es, en ${municipality.name}?`);
    const category = (await conversation.waitFor("message:text")).message.text;
    await ctx.reply("Describe el problema");
    const description = (await conversation.waitFor("message:text")).message.text;
    await ctx.reply("¿Foto? (omitir)");
    await conversation.waitFor("message");
    await ctx.reply("¿Ubicación? (omitir)");
    await conversation.waitFor("message");
    await ctx.reply("¿Con seguimiento o anónimo?");
    const identity = (await conversation.waitFor("message:text")).message.text;
    await ctx.reply(`Revisa: ${municipality.name} ${category} ${description} ${identity}. ¿Enviar?`);
    await conversation.waitFor("message:text");
    const folio = await conversation.external(() => `${municipality.folioPrefix}-2026-${String(++folioSeq).padStart(6, "0")}`);
    folios++;
    await ctx.reply(`¡Listo! Tu folio es ${folio}`);
  }
  bot.use(conversations());
  // The plugin builds its own Api inside conversations: the transformer is installed there too.
  bot.use(
    createConversation(report, {
      plugins: [
        async (ctx, next) => {
          ctx.api.config.use(swallow);
          await next();
        },
      ],
    }),
  );
  bot.on("message:text", async (ctx) => {
    if (ctx.message.text === "1") await ctx.conversation.enter("report");
    else await ctx.reply("¿Qué quieres hacer? 1. Reportar un problema");
  });
  await bot.init();

  const latencies: number[] = [];
  let updateId = 0;
  const update = (user: number, text: string): Update => ({
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: 0,
      chat: { id: 1000 + user, type: "private", first_name: "u" },
      from: { id: 1000 + user, is_bot: false, first_name: "u" },
      text,
    },
  });
  const t0 = performance.now();
  for (const text of SCRIPT) await wave(USERS, (u) => bot.handleUpdate(update(u, text)), latencies);
  const result = summarize("grammY + @grammyjs/conversations (memory)", latencies, performance.now() - t0);
  console.log(`  folios sent: ${folios}`);
  return result;
}

function benchLookups(): void {
  const m = Municipalities.load("data", loadDeployment("config/deployment.yaml"));
  const points = Array.from({ length: 200_000 }, () => [18.35 + Math.random() * 1.95, -100.62 + Math.random() * 2.05] as const);
  let inside = 0;
  const t0 = performance.now();
  for (const [lat, lon] of points) if (m.atPoint(lat, lon)) inside++;
  const ms = performance.now() - t0;
  console.log(
    `point → municipality lookups: ${points.length} in ${ms.toFixed(0)} ms = ${((ms * 1000) / points.length).toFixed(2)} µs each, ${((points.length / ms) * 1000).toFixed(0)} lookups/s (${inside} inside the state)`,
  );
}

console.log(`report conversation: ${USERS} concurrent citizens × ${SCRIPT.length} messages, Node ${process.version}`);
const only = process.env.BENCH_ONLY;
if (only) {
  if (only === "disk") await benchEngine(false);
  if (only === "memory") await benchEngine(true);
  if (only === "grammy") await benchGrammyConversations();
  process.exit(0);
}
const onDisk = await benchEngine(false);
const inMemory = await benchEngine(true);
const theirs = await benchGrammyConversations();
console.log(
  `ratio to grammY conversations (msg/s): ${(onDisk.perSecond / theirs.perSecond).toFixed(2)}× on disk, ${(inMemory.perSecond / theirs.perSecond).toFixed(2)}× in memory`,
);
benchLookups();
