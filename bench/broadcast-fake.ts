/**
 * The far end of `npm run bench:broadcast`: the fake Bot API in a process of its own (so the bot's
 * CPU is measured alone), enforcing Telegram's limits scaled by the factor it is given. Answers
 * "count" with how many messages arrived, how many chats got more than one, and how many 429s it gave.
 */
import { FakeBotApi } from "../test/fakes/bot-api.js";

const scale = Number(process.argv[2] ?? 1);
const fake = await FakeBotApi.start();
fake.enforce({ perSecond: 30 * scale, chatGapMs: 1000 / scale, groupPerMinute: 20 * scale });
process.send?.({ type: "ready", url: fake.url, token: fake.token });
process.on("message", (m: { type: string }) => {
  if (m.type === "count") {
    let repeated = 0;
    for (const n of fake.countsByChat().values()) if (n > 1) repeated++;
    process.send?.({ type: "count", sent: fake.sent.length, repeated, tooMany: fake.tooMany });
  }
  if (m.type === "stop") void fake.close().then(() => process.exit(0));
});
