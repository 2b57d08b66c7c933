/**
 * `npm run bench:chaos`: the bot killed with SIGKILL at random moments while citizens file reports
 * and announcements go out (test/helpers/chaos.ts says how), then the counts. Exits 1 when a
 * promise broke: a report lost or doubled, a folio repeated, an answer sent twice, an announcement
 * missing or doubled, a conversation that never reached its folio.
 *
 * CHAOS_SEED replays a run's schedule; CHAOS_KILLS (100), CHAOS_CITIZENS (200), CHAOS_SUBSCRIBERS
 * (300), CHAOS_ANNOUNCEMENTS (4), CHAOS_MAX_UP_MS (5000), CHAOS_HOLD_MS (300) change its size;
 * CHAOS_LOG=file keeps what each bot process printed.
 */
import { randomInt } from "node:crypto";
import { appendFileSync } from "node:fs";
import { runChaos } from "../test/helpers/chaos.js";

const number = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`bench:chaos: ${name} must be a whole number, not ${raw}\n`);
    process.exit(2);
  }
  return value;
};

const seed = number("CHAOS_SEED", randomInt(1, 2 ** 31 - 1));
const kills = number("CHAOS_KILLS", 100);
const maxUpMs = number("CHAOS_MAX_UP_MS", 5000);
console.log(`chaos: seed ${seed} (CHAOS_SEED=${seed} replays it), ${kills} kills`);
const counts = await runChaos({
  seed,
  kills,
  citizens: number("CHAOS_CITIZENS", 200),
  subscribers: number("CHAOS_SUBSCRIBERS", 300),
  announcements: number("CHAOS_ANNOUNCEMENTS", 4),
  maxUpMs,
  holdMs: number("CHAOS_HOLD_MS", 300),
  // Citizens and announcements spread over the first half of the kills.
  spreadMs: (kills * maxUpMs) / 4,
  announceEveryMs: (kills * maxUpMs) / 8 / Math.max(1, number("CHAOS_ANNOUNCEMENTS", 4)),
  // A conversation that waits this long for one answer is stuck (a restart costs seconds, not minutes).
  patienceMs: number("CHAOS_PATIENCE_MS", 600_000),
  progress: (line) => process.stdout.write(`  ${line}\n`),
  ...(process.env.CHAOS_LOG ? { logs: (text: string) => appendFileSync(process.env.CHAOS_LOG as string, `${text}\n`) } : {}),
});

const { violations, ...figures } = counts;
const width = Math.max(...Object.keys(figures).map((k) => k.length));
for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(width)}  ${value}`);
if (violations.length) {
  console.log(`\nFAILED (seed ${seed}):`);
  for (const v of violations) console.log(`  ${v}`);
  process.exit(1);
}
console.log(`\nheld: nothing lost, nothing doubled, every conversation reached its folio (seed ${seed})`);
