/**
 * The pacer on a clock the test moves: a broadcast goes at the platform's rate even when every timer
 * wakes late (the slot a late timer missed is made up), and never more than its limit in any second.
 */
import { describe, expect, it } from "vitest";
import { type PaceClock, Pacer } from "../src/notify/pacing.js";

/**
 * A clock whose timers all wake `lateMs` after they were due, as on a loaded machine. Timers fire in
 * the order they are due, each once what the one before set off has run.
 */
function lateClock(lateMs: number): PaceClock {
  let t = 0;
  let firing = false;
  const timers: { at: number; resolve: () => void }[] = [];
  const fire = () => {
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift();
    firing = timers.length > 0 || next !== undefined;
    if (!next) return;
    t = Math.max(t, next.at);
    next.resolve();
    setImmediate(fire);
  };
  return {
    now: () => t,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        timers.push({ at: t + ms + lateMs, resolve });
        if (!firing) {
          firing = true;
          setImmediate(fire);
        }
      }),
  };
}

const LIMITS = { perSecond: 30, chatGapMs: 1000, groupPerMinute: 20, isGroup: (id: string) => id.startsWith("-") };

async function broadcast(pacer: Pacer, clock: PaceClock, chats: number): Promise<number[]> {
  const granted: number[] = [];
  await Promise.all(Array.from({ length: chats }, (_, n) => pacer.take(String(1000 + n)).then(() => granted.push(clock.now()))));
  return granted;
}

describe("pacer", () => {
  for (const lateMs of [0, 4, 15]) {
    it(`keeps the rate with timers ${lateMs} ms late: 300 chats in 300 slots, at most 30 in any second`, async () => {
      const clock = lateClock(lateMs);
      const granted = await broadcast(new Pacer(LIMITS, clock), clock, 300);
      expect(granted).toHaveLength(300);
      // The window is a second and 50 ms (arrivals jitter at the far end).
      const slotMs = 1050 / 30;
      // Within 3 % of the limit's time: what a late timer cost was made up (not made up, 15 ms late is 44 % over).
      expect(granted[299]).toBeLessThanOrEqual(300 * slotMs * 1.03);
      for (let i = 30; i < granted.length; i++) expect(granted[i] - granted[i - 30]).toBeGreaterThanOrEqual(1000);
      // Never a burst: no more than two sends in one slot.
      for (let i = 2; i < granted.length; i++) expect(granted[i] - granted[i - 2]).toBeGreaterThanOrEqual(slotMs - 1);
    });
  }

  it("a chat's messages stay a chat gap apart, and a 429's retry_after holds that chat only", async () => {
    const clock = lateClock(3);
    const pacer = new Pacer(LIMITS, clock);
    pacer.hold("7", 5000);
    const times = new Map<string, number[]>();
    const take = (chat: string) => pacer.take(chat).then(() => times.set(chat, [...(times.get(chat) ?? []), clock.now()]));
    await Promise.all([take("7"), take("9"), take("8"), take("8"), take("8")]);
    expect(times.get("7")?.[0]).toBeGreaterThanOrEqual(5000);
    const eight = times.get("8") ?? [];
    expect(eight).toHaveLength(3);
    for (let i = 1; i < eight.length; i++) expect(eight[i] - eight[i - 1]).toBeGreaterThanOrEqual(1000);
    expect(times.get("9")?.[0]).toBeLessThan(1000);
  });
});
