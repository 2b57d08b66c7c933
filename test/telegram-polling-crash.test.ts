/**
 * Long polling confirms updates to Telegram by asking for the next ones. A citizen's message is kept
 * with its journal before that; an update in a group (the secretariat's work, a mention) is handled
 * first. Here `npm start` (src/main.ts) as a real process is killed with SIGKILL while a group
 * update is being handled, its reply on its way: started again, it gets the update from Telegram
 * again and answers it, once.
 */
import { expect, it, vi } from "vitest";
import { FakeBotApi } from "./fakes/bot-api.js";
import { tempDir } from "./helpers/app.js";
import { start } from "./helpers/process.js";
import { botProcessPerTest, processEnv } from "./helpers/service.js";

const run = botProcessPerTest();

it("a group update being handled when the process is killed is not confirmed to Telegram: after a restart it is answered, once", async () => {
  const api = await FakeBotApi.start();
  run.fake = api;
  const env = processEnv(await tempDir("ma-poll-crash-"), api);
  let child = start("src/main.ts", [], env);
  run.child = child;
  await vi.waitFor(() => expect(api.callsOf("getUpdates").length).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });

  const group = { id: -100200999, type: "supergroup", title: "Vecinos de la colonia" };
  const from = { id: 6201, is_bot: false, first_name: "Ana" };
  const inGroup = () => api.callsOf("sendMessage").filter((c) => Number(c.payload.chat_id) === group.id);
  // The answer in the group cannot go out: the update is in hand when the process dies.
  api.holdSends();
  const text = `@${api.bot.username} hola`;
  await api.push({ message: { message_id: 1, date: 0, chat: group, from, text, entities: [{ type: "mention", offset: 0, length: text.indexOf(" ") }] } });
  await vi.waitFor(() => expect(inGroup().length).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
  // Time enough for the next getUpdates, which would confirm the update, had it not waited.
  await new Promise((r) => setTimeout(r, 500));
  child.child.kill("SIGKILL");
  await child.finished;
  api.releaseSends();
  expect(api.sent.filter((m) => m.chat_id === group.id)).toHaveLength(0);

  child = start("src/main.ts", [], env);
  run.child = child;
  await api.until(() => (api.sent.some((m) => m.chat_id === group.id) ? true : undefined), 30_000, "the group answered after the restart");
  await new Promise((r) => setTimeout(r, 1000));
  expect(api.sent.filter((m) => m.chat_id === group.id)).toHaveLength(1);
}, 90_000);
