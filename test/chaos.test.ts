/**
 * The short chaos run (`npm run bench:chaos` is the long one): the bot as a real process is killed
 * with SIGKILL 10 times at random moments while citizens file reports through the whole report
 * conversation and two announcements go out, and started again on the same data each time.
 * Afterwards every citizen has reached their folio, every folio is one report in the store, no
 * answer came twice, and every subscriber got each announcement exactly once. The seed is printed
 * when it fails; CHAOS_SEED replays it.
 */
import { randomInt } from "node:crypto";
import { expect, it } from "vitest";
import { runChaos } from "./helpers/chaos.js";

it("killed with SIGKILL 10 times mid-conversations and mid-broadcast: nothing lost, nothing doubled, every conversation reaches its folio", async () => {
  const seed = Number(process.env.CHAOS_SEED) || randomInt(1, 2 ** 31 - 1);
  const counts = await runChaos({
    seed,
    kills: 10,
    citizens: 12,
    subscribers: 40,
    announcements: 2,
    maxUpMs: 1000,
    holdMs: 500,
    spreadMs: 3000,
    announceEveryMs: 3000,
    patienceMs: 120_000,
  });
  expect({ seed, violations: counts.violations }).toEqual({ seed, violations: [] });
  expect(counts).toMatchObject({ finished: 12, folios: 12, reports: 12, deliveriesDue: 80 });
}, 400_000);
