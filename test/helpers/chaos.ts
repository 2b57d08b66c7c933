/**
 * The chaos run behind `npm run bench:chaos` and test/chaos.test.ts: the bot as a real process on
 * the embedded store against the fake Bot API, citizens filing reports through the whole report
 * conversation and announcements going out to subscribers, while the process is killed with
 * SIGKILL at random moments and started again on the same data. Then it counts what people would
 * notice: a report lost or filed twice, a folio given twice, an answer sent twice, an announcement
 * missing or received twice, a conversation that never reached its folio.
 *
 * Citizens behave like people: a message that gets no answer (the bot was dead) is not sent again;
 * they wait, and Telegram delivers it again (the fake, like Telegram, keeps every update until the
 * bot confirms it by asking for the next ones).
 *
 * Before each kill, sends stop reaching Telegram for `holdMs` (they are refused afterwards, never
 * recorded): what Telegram took, the bot has heard back about and recorded. No bot can promise
 * exactly once over an API without idempotency keys when it dies between Telegram taking a message
 * and the bot's record of it — a window of one store append — so this run counts the bot's own
 * bookkeeping, not that window; `holdMs: 0` kills with sends in that window too.
 */
import { openEmbeddedStore } from "../../src/store/embedded/index.js";
import { buttons, FakeBotApi } from "../fakes/bot-api.js";
import { tempDir } from "./app.js";
import { type Running, start } from "./process.js";
import { METEPEC, telegramReport } from "./secretariat.js";
import { processEnv } from "./service.js";
import { scheduleAnnouncement, seedSubscribers } from "./subscribers.js";

export interface ChaosOptions {
  /** Replays the same schedule of kills and citizens (the timing of the machine still varies). */
  seed: number;
  kills: number;
  citizens: number;
  subscribers: number;
  announcements: number;
  /** Each process is killed at a random moment up to this long after it started (or, one in four, after it is told to start). */
  maxUpMs: number;
  /** Before each kill, how long sends stop reaching Telegram (see the file's comment). */
  holdMs: number;
  /** Citizens start at random moments within this time. */
  spreadMs: number;
  /** Announcements fall due one after another, this far apart. */
  announceEveryMs: number;
  /** How long a citizen waits for each answer before giving up (the bot may be down a while). */
  patienceMs: number;
  /** Told of each kill, for a progress line. */
  progress?: (line: string) => void;
  /** Told what each process printed, and the transcripts of citizens who never reached their folio. */
  logs?: (text: string) => void;
}

export interface ChaosCounts {
  seed: number;
  kills: number;
  /** Kills that came before the process had finished starting. */
  killedStarting: number;
  /** A process's start-up (code already loaded), median. */
  medianStartMs: number;
  citizens: number;
  /** Citizens who reached their folio. */
  finished: number;
  /** Folios citizens were given. */
  folios: number;
  /** Reports in the store afterwards. */
  reports: number;
  /** Folios a citizen got whose report is not in the store. */
  missingReports: number;
  /** Folios found on more than one report, or given to more than one citizen. */
  repeatedFolios: number;
  /** Citizens with more than one report (a report filed twice). */
  doubledReports: number;
  /** Reports whose folio no citizen was given (its answer lost, or a report filed twice). */
  unannounced: number;
  /** Updates the citizens sent (each once; Telegram's redeliveries not counted). */
  updates: number;
  /** The bot's messages to citizens, and those a citizen got twice (the same text in one chat). */
  replies: number;
  repeatedReplies: number;
  /** Answers saying something failed (internal error, store away, too fast). */
  errorReplies: number;
  /** Announcement deliveries due (announcements × subscribers), missing and doubled. */
  deliveriesDue: number;
  deliveriesMissing: number;
  deliveriesDoubled: number;
  seconds: number;
  /** What broke a promise, one line each; empty when everything held. */
  violations: string[];
}

/** A small seeded generator (mulberry32): the same seed, the same sequence. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The process script: the bot as `npm start` composes it, started on a line `go`. */
const BOT_PROCESS = "test/helpers/bot-process.ts";

/** Answers that mean a message was not handled as it should have been. */
const ERROR_REPLY = /problema técnico|problemas técnicos|muy rápido/;

/**
 * Starts bot processes one after another, always keeping the next one loaded and waiting, so a
 * restart after a kill costs the bot's start-up alone.
 */
class Supervisor {
  private warm: Running;
  /** How long each process took from `go` to `started`. */
  readonly startMs: number[] = [];

  constructor(private readonly env: Record<string, string>) {
    this.warm = start(BOT_PROCESS, [], env);
  }

  /** Starts the waiting process, and loads the next one. */
  next(): { process: Running; started: Promise<boolean> } {
    const process = this.warm;
    process.child.stdin.write("go\n");
    this.warm = start(BOT_PROCESS, [], this.env);
    const go = performance.now();
    const started = process.printed(/^started$/m, 120_000).then(
      () => {
        this.startMs.push(performance.now() - go);
        return true;
      },
      () => false,
    );
    return { process, started };
  }

  async close(): Promise<void> {
    this.warm.child.kill("SIGKILL");
    await this.warm.finished;
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosCounts> {
  const began = performance.now();
  const random = seeded(o.seed);
  const fake = await FakeBotApi.start();
  const dataDir = await tempDir("ma-chaos-");
  const supervisor = new Supervisor(processEnv(dataDir, fake));
  let bot: ReturnType<Supervisor["next"]> | undefined;
  try {
    const now = new Date();
    const store = await openEmbeddedStore(dataDir);
    const subscribers = await seedSubscribers(store, { count: o.subscribers, first: 800_000, municipality: METEPEC, now });
    const announcements: string[] = [];
    for (let i = 0; i < o.announcements; i++) {
      const text = `Aviso ${i + 1}: sesión abierta del Secretariado Técnico`;
      announcements.push(text);
      await scheduleAnnouncement(store, { id: `A-${i + 1}`, municipality: METEPEC, text, at: new Date(now.getTime() + i * o.announceEveryMs), now });
    }
    await store.close();

    const citizens = Array.from({ length: o.citizens }, (_, i) => fake.user(700_000 + i));
    const conversations = citizens.map(async (citizen) => {
      await sleep(random() * o.spreadMs);
      return telegramReport(citizen, { wait: o.patienceMs }).catch((err: Error) => err);
    });

    let killedStarting = 0;
    for (let k = 1; k <= o.kills; k++) {
      bot = supervisor.next();
      // Mostly while it works; one kill in four at any moment from the start, often mid-start-up.
      const starting = random() < 0.25;
      const upMs = random() * o.maxUpMs;
      let running = false;
      void bot.started.then((ok) => (running = ok));
      if (!starting) await bot.started;
      await sleep(upMs);
      fake.holdSends();
      await sleep(o.holdMs);
      bot.process.child.kill("SIGKILL");
      const { stdout, stderr } = await bot.process.finished;
      o.logs?.(`--- process ${k} (killed)\n${stdout}${stderr}`);
      fake.releaseSends();
      if (!running) killedStarting++;
      o.progress?.(`kill ${k}/${o.kills} ${Math.round(upMs)} ms after ${starting ? "the start" : "it started"}${running ? "" : " (while starting)"}`);
    }

    // The last process stays up: every conversation must reach its folio, every announcement its subscribers.
    bot = supervisor.next();
    const outcomes = await Promise.all(conversations);
    const due = announcements.length * subscribers.length;
    const delivered = () => fake.sent.filter((m) => m.chat_id >= 800_000 && announcements.some((a) => (m.sentText ?? m.text).includes(a))).length;
    await fake.until(() => (delivered() >= due ? true : undefined), o.patienceMs, "every announcement delivered").catch(() => undefined);
    // Time for anything sent twice to show.
    await sleep(1500);
    bot.process.child.kill("SIGTERM");
    const last = await bot.process.finished;
    o.logs?.(`--- last process\n${last.stdout}${last.stderr}`);
    bot = undefined;
    for (const [i, outcome] of outcomes.entries()) {
      if (!(outcome instanceof Error)) continue;
      const transcript = fake
        .chat(700_000 + i)
        .map(
          (m) => `  bot #${m.message_id}: ${(m.sentText ?? m.text).slice(0, 60).replace(/\n/g, " ")} [${buttons(m).join(" | ")}]${m.edited ? " (edited)" : ""}`,
        );
      o.logs?.(`--- citizen ${700_000 + i} stuck\n${transcript.join("\n")}`);
    }

    const check = await openEmbeddedStore(dataDir);
    const reports = await check.reports.list({}, 1_000_000);
    await check.close();
    const startMs = [...supervisor.startMs].sort((a, b) => a - b);
    const medianStartMs = Math.round(startMs[Math.floor(startMs.length / 2)] ?? 0);
    return count({ o, fake, outcomes, reports, subscribers, announcements, killedStarting, medianStartMs, seconds: (performance.now() - began) / 1000 });
  } finally {
    if (bot) {
      bot.process.child.kill("SIGKILL");
      await bot.process.finished;
    }
    await supervisor.close();
    await fake.close();
  }
}

function count(run: {
  o: ChaosOptions;
  fake: FakeBotApi;
  outcomes: (string | Error)[];
  reports: { folio: string; citizenId: string | null }[];
  subscribers: number[];
  announcements: string[];
  killedStarting: number;
  medianStartMs: number;
  seconds: number;
}): ChaosCounts {
  const { o, fake, outcomes, reports, subscribers, announcements } = run;
  const violations: string[] = [];
  const folios = outcomes.filter((f): f is string => typeof f === "string");
  const unfinished = outcomes.filter((f): f is Error => f instanceof Error);
  for (const err of unfinished.slice(0, 3)) violations.push(`a citizen never reached the folio: ${err.message.split("\n")[0]}`);

  const byFolio = new Map<string, number>();
  for (const r of reports) byFolio.set(r.folio, (byFolio.get(r.folio) ?? 0) + 1);
  const given = new Map<string, number>();
  for (const f of folios) given.set(f, (given.get(f) ?? 0) + 1);
  const missingReports = folios.filter((f) => !byFolio.has(f)).length;
  const repeatedFolios = new Set([...byFolio, ...given].filter(([, n]) => n > 1).map(([f]) => f)).size;
  const unannounced = reports.filter((r) => !given.has(r.folio)).length;
  const perCitizen = new Map<string, number>();
  for (const r of reports) if (r.citizenId) perCitizen.set(r.citizenId, (perCitizen.get(r.citizenId) ?? 0) + 1);
  const doubledReports = [...perCitizen.values()].filter((n) => n > 1).length;

  let replies = 0;
  let repeatedReplies = 0;
  let errorReplies = 0;
  for (let i = 0; i < o.citizens; i++) {
    const texts = fake.chat(700_000 + i).map((m) => m.sentText ?? m.text);
    replies += texts.length;
    repeatedReplies += texts.length - new Set(texts).size;
    errorReplies += texts.filter((t) => ERROR_REPLY.test(t)).length;
  }
  let deliveriesMissing = 0;
  let deliveriesDoubled = 0;
  for (const chat of subscribers) {
    const texts = fake.chat(chat).map((m) => m.sentText ?? m.text);
    for (const a of announcements) {
      const n = texts.filter((t) => t.includes(a)).length;
      if (n === 0) deliveriesMissing++;
      if (n > 1) deliveriesDoubled++;
    }
  }
  const updates = fake.history.length;

  if (missingReports) violations.push(`${missingReports} folios given to citizens have no report`);
  if (repeatedFolios) violations.push(`${repeatedFolios} folios repeated`);
  if (doubledReports) violations.push(`${doubledReports} citizens have more than one report`);
  if (unannounced) violations.push(`${unannounced} reports whose folio no citizen was given`);
  if (repeatedReplies) violations.push(`${repeatedReplies} answers sent twice`);
  if (errorReplies) violations.push(`${errorReplies} error answers`);
  if (deliveriesMissing) violations.push(`${deliveriesMissing} announcement deliveries missing`);
  if (deliveriesDoubled) violations.push(`${deliveriesDoubled} announcement deliveries doubled`);
  if (unfinished.length) violations.push(`${unfinished.length} conversations never reached their folio`);

  return {
    seed: o.seed,
    kills: o.kills,
    killedStarting: run.killedStarting,
    medianStartMs: run.medianStartMs,
    citizens: o.citizens,
    finished: folios.length,
    folios: given.size,
    reports: reports.length,
    missingReports,
    repeatedFolios,
    doubledReports,
    unannounced,
    updates,
    replies,
    repeatedReplies,
    errorReplies,
    deliveriesDue: announcements.length * subscribers.length,
    deliveriesMissing,
    deliveriesDoubled,
    seconds: Math.round(run.seconds * 10) / 10,
    violations,
  };
}
