/**
 * The report conversation of `npm run bench` written with two other frameworks, driven by the same
 * citizens with the same texts: grammY + @grammyjs/conversations (memory storage, API calls answered
 * by a transformer, updates through bot.handleUpdate) and BuilderBot (its MemoryDB and its test
 * provider, each message handed to the bot's handleMsg as the provider's event does, replies taken by its sendMessage). Neither persists
 * anything. Each returns the figures and the folios it handed out.
 */
import { addKeyword, createBot, createFlow, EVENTS, MemoryDB, TestTool } from "@builderbot/bot";
import { type Conversation, type ConversationFlavor, conversations, createConversation } from "@grammyjs/conversations";
import { Bot, type Context, type Transformer } from "grammy";
import type { Update } from "grammy/types";
import type { Municipalities } from "../src/domain/municipalities.js";
import { summarize, wave } from "./stats.js";
import { YES } from "./texts.js";

export interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU the process spent per message, µs. */
  cpuUs?: number;
}

const consents = (text: string) => YES.includes(text.trim()) || text.trim() === "1";

type Ctx = ConversationFlavor<Context>;

/** The parts of BuilderBot's callback arguments used here (its typings do not resolve under NodeNext). */
interface BuilderBotMessage {
  body: string;
}
interface BuilderBotMethods {
  fallBack(text: string): Promise<void>;
  endFlow(text: string): Promise<void>;
  flowDynamic(text: string): Promise<void>;
  state: { update(values: Record<string, string>): Promise<void>; get(key: string): string; getMyState(): Record<string, string> };
}

export async function benchGrammyConversations(municipalities: Municipalities, scripts: string[][], warmUp: string[][]): Promise<Figures> {
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
    if (!consents(consent.message.text)) return ctx.reply("No guardamos nada.");
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
  // Warmed up first by other citizens (chats after the measured ones'), unmeasured.
  for (let i = 0; i < warmUp[0].length; i++) await wave(warmUp.length, (u) => bot.handleUpdate(update(scripts.length + u, warmUp[u][i])), []);
  const warmFolios = folios;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < scripts[0].length; i++) await wave(scripts.length, (u) => bot.handleUpdate(update(u, scripts[u][i])), latencies);
  folios -= warmFolios;
  const result = summarize("grammY + @grammyjs/conversations (memory)", latencies, performance.now() - t0, cpu);
  console.log(`  folios sent: ${folios}`);
  return result;
}

export async function benchBuilderBot(municipalities: Municipalities, scripts: string[][], warmUp: string[][]): Promise<Figures> {
  const provider = new TestTool.TestProvider();
  /** Who waits for the bot's next message, per citizen. */
  const waiting = new Map<string, () => void>();
  let folios = 0;
  let folioSeq = 0;
  provider.sendMessage = async (userId: string, message: string) => {
    if (message.includes("folio")) folios++;
    const answered = waiting.get(userId);
    waiting.delete(userId);
    answered?.();
    return { userId, message };
  };
  // One question per message the citizen sends, as in the other two.
  const flow = addKeyword(EVENTS.WELCOME)
    .addAnswer("¿Qué quieres hacer? 1. Reportar un problema", { capture: true }, async (ctx: BuilderBotMessage, { fallBack }: BuilderBotMethods) => {
      if (ctx.body.trim() !== "1") return fallBack("¿Qué quieres hacer? 1. Reportar un problema");
    })
    .addAnswer("Aviso de privacidad… ¿Aceptas?", { capture: true }, async (ctx: BuilderBotMessage, { endFlow }: BuilderBotMethods) => {
      if (!consents(ctx.body)) return endFlow("No guardamos nada.");
    })
    .addAnswer(
      "¿En qué municipio está el problema?",
      { capture: true },
      async (ctx: BuilderBotMessage, { state, fallBack, flowDynamic }: BuilderBotMethods) => {
        const municipality = municipalities.search(ctx.body)[0];
        if (!municipality) return fallBack("No encontré ese municipio.");
        await state.update({ municipality: municipality.name, prefix: municipality.folioPrefix });
        await flowDynamic(`¿Qué tipo de problema es, en ${municipality.name}?`);
      },
    )
    .addAction({ capture: true }, async (ctx: BuilderBotMessage, { state }: BuilderBotMethods) => {
      await state.update({ category: ctx.body });
    })
    .addAnswer("Describe el problema", { capture: true }, async (ctx: BuilderBotMessage, { state }: BuilderBotMethods) => {
      await state.update({ description: ctx.body });
    })
    .addAnswer("¿Foto? (omitir)", { capture: true })
    .addAnswer("¿Ubicación? (omitir)", { capture: true })
    .addAnswer("¿Con seguimiento o anónimo?", { capture: true }, async (ctx: BuilderBotMessage, { state, flowDynamic }: BuilderBotMethods) => {
      const s = state.getMyState();
      await flowDynamic(`Revisa: ${s.municipality} ${s.category} ${s.description} ${ctx.body}. ¿Enviar?`);
    })
    .addAction({ capture: true }, async (_ctx: BuilderBotMessage, { state, flowDynamic }: BuilderBotMethods) => {
      const folio = `${state.get("prefix")}-2026-${String(++folioSeq).padStart(6, "0")}`;
      await flowDynamic(`¡Listo! Tu folio es ${folio}`);
    });
  // The provider's "message" event calls handleMsg without waiting for it; called here directly, the
  // next message of a citizen waits until the bot has recorded what it asked (as a person reading it would).
  const bot = (await createBot({ flow: createFlow([flow]), database: new MemoryDB(), provider })) as unknown as {
    handleMsg(message: { body: string; from: string; name: string }): Promise<void>;
  };

  const run = async (texts: string[][], firstUser: number, latencies: number[]) => {
    for (let i = 0; i < texts[0].length; i++) {
      await wave(
        texts.length,
        (u) => {
          const from = `521722${String(firstUser + u).padStart(7, "0")}`;
          const replied = new Promise<void>((resolve) => waiting.set(from, resolve));
          return Promise.all([bot.handleMsg({ body: texts[u][i], from, name: "u" }), replied]);
        },
        latencies,
      );
    }
  };
  // Warmed up first by other citizens, unmeasured.
  await run(warmUp, scripts.length, []);
  folios = 0;
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await run(scripts, 0, latencies);
  const result = summarize("BuilderBot 1.3 (MemoryDB, test provider)", latencies, performance.now() - t0, cpu);
  console.log(`  folios sent: ${folios}`);
  return result;
}
