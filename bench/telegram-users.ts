/**
 * The far end of `bench/telegram.ts`, in its own process (Telegram is not on the bot's cores):
 * the fake Bot API and simulated users who each complete the report conversation with buttons,
 * a shared location and a photo. Measures each update from the moment it is offered to the bot
 * until the reply that completes its answer arrives.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeBotApi, type FakeUser } from "../test/fakes/bot-api.js";

export interface RunRequest {
  users: number;
  /** Pause of each user between the bot's answer and their next message. */
  thinkMs: number;
  firstChatId: number;
}

export interface RunResult {
  updates: number;
  wallMs: number;
  latencies: number[];
  folios: number;
}

const PHOTO = await readFile(join(import.meta.dirname, "..", "test", "fixtures", "bache.png"));

/** One step: what the user does, and the text that shows the bot has answered it. */
const SCRIPT: { act: (u: FakeUser) => Promise<unknown>; until: string | RegExp }[] = [
  { act: (u) => u.say("/start"), until: "¿Qué quieres hacer?" },
  { act: (u) => u.press("Reportar un problema"), until: "¿Aceptas el aviso" },
  { act: (u) => u.press("Sí"), until: "Comparte tu ubicación" },
  { act: (u) => u.shareLocation(19.2566, -99.6047), until: "tipo de problema" },
  { act: (u) => u.press("Alumbrado público"), until: "Describe el problema" },
  { act: (u) => u.say("La luminaria de la esquina lleva dos semanas apagada"), until: "envíala ahora" },
  { act: (u) => u.sendPhoto(PHOTO), until: "¿Cómo quieres enviar" },
  { act: (u) => u.press("Con seguimiento por este chat"), until: "Revisa tu reporte" },
  { act: (u) => u.press("Enviar reporte"), until: /folio MET-/ },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(api: FakeBotApi, req: RunRequest): Promise<RunResult> {
  const latencies: number[] = [];
  let folios = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: req.users }, async (_, i) => {
      const user = api.user(req.firstChatId + i);
      // Spread the first messages over one think time, as real users arrive.
      await sleep(req.thinkMs ? Math.random() * req.thinkMs : 0);
      for (const step of SCRIPT) {
        const t = performance.now();
        await step.act(user);
        const reply = await user.expect(step.until, 120_000);
        latencies.push(reply.at - t);
        if (reply.text.includes("folio MET-")) folios++;
        if (req.thinkMs) await sleep(req.thinkMs);
      }
    }),
  );
  return { updates: latencies.length, wallMs: performance.now() - t0, latencies, folios };
}

const api = await FakeBotApi.start();
process.send?.({ type: "ready", url: api.url, token: api.token });
process.on("message", (msg: { type: string; request?: RunRequest }) => {
  if (msg.type === "run" && msg.request) {
    void run(api, msg.request).then((result) => process.send?.({ type: "result", result }));
  }
  if (msg.type === "stop") void api.close().then(() => process.exit(0));
});
