/**
 * The far end of `bench/telegram.ts`, in its own process (Telegram is not on the bot's cores):
 * the fake Bot API and simulated users who each complete the report conversation with buttons,
 * a shared location and a photo. The fake hands updates to the bot as Telegram would: from
 * getUpdates (long polling) or posted to the bot's webhook once one is set. Measures each update
 * from the moment it is offered to the bot until the reply that completes its answer arrives.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeBotApi, type FakeUser } from "../test/fakes/bot-api.js";

export interface RunRequest {
  users: number;
  /**
   * Updates offered per second, all users together: each user's next update waits for the next
   * slot (and for the answer to its last one). Unset: every user sends as soon as answered.
   */
  rate?: number;
  firstChatId: number;
}

export interface RunResult {
  updates: number;
  wallMs: number;
  latencies: number[];
  folios: number;
  /** Updates offered per second, measured (below `rate` when users still wait for answers). */
  offeredPerSecond: number;
  /** CPU time of this process (the fake and the users) during the run. */
  cpuMs: number;
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

/** Hands out slots at `rate` a second to whoever waits, first come first served; a slot nobody waits for is lost. */
class Pacer {
  private readonly waiting: (() => void)[] = [];
  private released = 0;
  offered = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly rate: number) {}

  start(t0: number): void {
    const tick = () => {
      const due = Math.floor(((performance.now() - t0) / 1000) * this.rate);
      for (; this.released < due; this.released++) {
        const next = this.waiting.shift();
        if (next) {
          this.offered++;
          next();
        }
      }
      this.timer = setTimeout(tick, 1);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  slot(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

async function run(api: FakeBotApi, req: RunRequest): Promise<RunResult> {
  const latencies: number[] = [];
  let folios = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const pacer = req.rate ? new Pacer(req.rate) : undefined;
  pacer?.start(t0);
  await Promise.all(
    Array.from({ length: req.users }, async (_, i) => {
      const user = api.user(req.firstChatId + i);
      for (const step of SCRIPT) {
        if (pacer) await pacer.slot();
        const t = performance.now();
        await step.act(user);
        const reply = await user.expect(step.until, 120_000);
        latencies.push(reply.at - t);
        if (reply.text.includes("folio MET-")) folios++;
      }
    }),
  );
  const wallMs = performance.now() - t0;
  pacer?.stop();
  const used = process.cpuUsage(cpu);
  api.forget();
  return {
    updates: latencies.length,
    wallMs,
    latencies,
    folios,
    offeredPerSecond: ((pacer?.offered ?? latencies.length) / wallMs) * 1000,
    cpuMs: (used.user + used.system) / 1000,
  };
}

const api = await FakeBotApi.start();
// The bench that started this process ended (or failed): so does this one.
process.on("disconnect", () => void api.close().then(() => process.exit(0)));
process.send?.({ type: "ready", url: api.url, token: api.token });
process.on("message", (msg: { type: string; request?: RunRequest }) => {
  if (msg.type === "run" && msg.request) {
    // A run that fails (a reply that never came) is told, not left to end this process: the bench would wait for ever.
    void run(api, msg.request).then(
      (result) => process.send?.({ type: "result", result }),
      (err: unknown) => process.send?.({ type: "error", message: err instanceof Error ? err.message : String(err) }),
    );
  }
  if (msg.type === "stop") void api.close().then(() => process.exit(0));
});
