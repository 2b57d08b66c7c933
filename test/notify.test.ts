/** The outbox worker against the embedded store and a transport that records, fails or stalls on demand. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { OutboundMessage } from "../src/domain/model/message.js";
import { Delivery, type Transport } from "../src/notify/delivery.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { NewOutboxItem, Store } from "../src/store/ports.js";
import { ManualClock, systemClock } from "../src/util/clock.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "./helpers/app.js";

let store: Store;
let clock: ManualClock;
beforeEach(async () => {
  store = await openEmbeddedStore(await tempDir("ma-notify-"));
  clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
});
afterEach(async () => {
  await store.close();
});

function worker(owner = "w1", more: Partial<ConstructorParameters<typeof Delivery>[0]> = {}) {
  return new Delivery({ outbox: store.outbox, clock, logger: createLogger("silent"), pseudonym: (id) => `p(${id.length})`, owner, ...more });
}

class Recorder implements Transport {
  sent: { chatId: string; text: string }[] = [];
  failWith?: Error;
  async send(chatId: string, message: OutboundMessage) {
    if (this.failWith) throw this.failWith;
    this.sent.push({ chatId, text: message.text });
    return `msg-${this.sent.length}`;
  }
}

let n = 0;
function notice(chatId: string, text: string, more: Partial<NewOutboxItem> = {}): NewOutboxItem {
  n++;
  return { id: `i${n}`, channel: "telegram", chatId, kind: "notice", payload: { id: `p${n}`, lang: "es-MX", text }, createdAt: clock.now(), seq: n, ...more };
}

describe("outbox delivery", () => {
  it("delivers each chat's messages in order and records the platform's id", async () => {
    const transport = new Recorder();
    const delivery = worker();
    delivery.register("telegram", transport);
    await delivery.enqueue([notice("1", "uno"), notice("2", "otro chat"), notice("1", "dos"), notice("1", "tres")]);
    while ((await delivery.runOnce("telegram")) > 0);
    expect(transport.sent.filter((s) => s.chatId === "1").map((s) => s.text)).toEqual(["uno", "dos", "tres"]);
    expect(transport.sent).toHaveLength(4);
    expect((await store.outbox.get("i1"))?.platformId).toMatch(/^msg-\d$/);
    expect(await store.outbox.depth()).toEqual({ unsent: 0, oldest: null });
  });

  it("an item no longer wanted is withdrawn before it goes, by the worker and in a conversation turn; one not checked goes back at once", async () => {
    const transport = new Recorder();
    let wanted: (text: string) => Promise<boolean> = async (text) => !text.startsWith("no");
    const delivery = worker("w1", { wanted: (item) => wanted(item.payload.text) });
    delivery.register("telegram", transport);
    const gone = notice("1", "no: se fue");
    await delivery.enqueue([gone, notice("1", "sí"), notice("2", "no tampoco")]);
    while ((await delivery.runOnce("telegram")) > 0);
    expect(transport.sent.map((s) => s.text)).toEqual(["sí"]);
    expect(await store.outbox.unsentFor("telegram", "1")).toEqual([]);
    expect(await store.outbox.get(gone.id)).toBeNull();
    // In a conversation turn: the withdrawn one is not counted among those coming.
    await store.outbox.add([notice("3", "no: tampoco"), notice("3", "este sí")]);
    const live: string[] = [];
    let told = -1;
    await delivery.deliverNow(
      "telegram",
      "3",
      async (_chat, m) => void live.push(m.text),
      (count) => (told = count),
    );
    expect([live, told]).toEqual([["este sí"], 1]);
    // The check itself fails (the store is away): the items go back at once, not held until their lease runs out.
    wanted = async () => {
      throw new Error("store away");
    };
    await store.outbox.add([notice("4", "espera")]);
    await expect(delivery.deliverNow("telegram", "4", async () => undefined)).rejects.toThrow("store away");
    expect((await store.outbox.unsentFor("telegram", "4")).map((i) => [i.state, i.owner])).toEqual([["pending", null]]);
  });

  it("the same message enqueued twice (a retried operation) is sent once", async () => {
    const transport = new Recorder();
    const delivery = worker();
    delivery.register("telegram", transport);
    const once = notice("1", "su reporte cambió");
    await delivery.enqueue([once]);
    await delivery.enqueue([once]);
    while ((await delivery.runOnce("telegram")) > 0);
    expect(transport.sent).toHaveLength(1);
  });

  it("a passing failure is retried after a pause that doubles; later messages of the chat wait for it", async () => {
    const transport = new Recorder();
    const delivery = worker("w1", { firstRetryMs: 1000 });
    delivery.register("telegram", transport);
    await delivery.enqueue([notice("1", "primero"), notice("1", "segundo")]);
    transport.failWith = new Error("ETIMEDOUT");
    await delivery.runOnce("telegram");
    transport.failWith = undefined;
    expect(await delivery.runOnce("telegram")).toBe(0);
    clock.advance(1001);
    await delivery.runOnce("telegram");
    await delivery.runOnce("telegram");
    expect(transport.sent.map((s) => s.text)).toEqual(["primero", "segundo"]);
  });

  it("a permanent failure (the citizen blocked the bot) is given up at once; a passing one after the attempts run out", async () => {
    const failing: Transport = {
      send: async (chatId) => {
        throw new Error(chatId === "1" ? "Forbidden: bot was blocked by the user" : "ETIMEDOUT");
      },
      isPermanent: (err) => /blocked/.test((err as Error).message),
    };
    const delivery = worker("w1", { firstRetryMs: 10, maxAttempts: 3 });
    delivery.register("telegram", failing);
    const blocked = notice("1", "bloqueado");
    const flaky = notice("2", "inestable");
    await delivery.enqueue([blocked, flaky]);
    await delivery.runOnce("telegram");
    expect(await store.outbox.get(blocked.id)).toMatchObject({ state: "failed", attempts: 1, error: "permanent" });
    expect(await store.outbox.get(flaky.id)).toMatchObject({ state: "pending", attempts: 1 });
    for (let k = 0; k < 5; k++) {
      clock.advance(60_000);
      await delivery.runOnce("telegram");
    }
    expect(await store.outbox.get(flaky.id)).toMatchObject({ state: "failed", attempts: 3, error: "attempts" });
  });

  it("while a channel is down its messages wait; when it is back they go out, with the worker running on its own", async () => {
    const transport = new Recorder();
    const delivery = worker("w1", { pollMs: 20 });
    delivery.register("whatsapp", transport);
    delivery.down("whatsapp");
    delivery.start();
    await delivery.enqueue([{ ...notice("5215500000000@c.us", "hola"), channel: "whatsapp" }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(transport.sent).toEqual([]);
    delivery.up("whatsapp");
    for (let k = 0; k < 50 && transport.sent.length === 0; k++) await new Promise((r) => setTimeout(r, 10));
    expect(transport.sent.map((s) => s.text)).toEqual(["hola"]);
    await delivery.stop();
  });

  it("a worker that died after claiming leaves its messages to the next one after the lease, sent once", async () => {
    const transport = new Recorder();
    const dead = worker("dead", { leaseMs: 30_000 });
    // It claims (as runOnce would) and dies before sending.
    await dead.enqueue([notice("1", "aviso")]);
    await store.outbox.claim("telegram", "dead", clock.now(), 30_000, 10);
    const next = worker("next", { leaseMs: 30_000 });
    next.register("telegram", transport);
    expect(await next.runOnce("telegram")).toBe(0);
    clock.advance(30_001);
    expect(await next.runOnce("telegram")).toBe(1);
    clock.advance(120_000);
    expect(await next.runOnce("telegram")).toBe(0);
    expect(transport.sent.map((s) => s.text)).toEqual(["aviso"]);
  });

  it("messages that wait their turn behind the rate longer than their lease are still sent once each", async () => {
    // A paced lane claims its next round (two seconds of sends) while one is sent: the third round's claim
    // finds the second's messages still waiting for their turn, their lease run out. The worker neither sends
    // such a message again itself nor sends it after its lease has run out.
    const transport: Transport & { sent: string[] } = {
      sent: [],
      limits: { perSecond: 25, chatGapMs: 1000, groupPerMinute: 20, isGroup: () => false },
      async send(_chat, m) {
        this.sent.push(m.text);
        return null;
      },
    };
    const delivery = worker("w1", { clock: systemClock, leaseMs: 1000, pollMs: 10 });
    delivery.register("telegram", transport);
    const items = Array.from({ length: 110 }, (_, i) => notice(String(1000 + i), `aviso ${i}`));
    await delivery.enqueue(items);
    delivery.start();
    await vi.waitFor(async () => expect((await store.outbox.depth()).unsent).toBe(0), { timeout: 20_000, interval: 50 });
    await delivery.stop();
    expect([...transport.sent].sort()).toEqual(items.map((i) => i.payload.text).sort());
  }, 30_000);

  it("stop waits for the message being sent", async () => {
    let release!: () => void;
    const sent: string[] = [];
    const slow: Transport = {
      send: async (_chat, m) => {
        await new Promise<void>((r) => {
          release = r;
        });
        sent.push(m.text);
        return null;
      },
    };
    const delivery = worker("w1", { pollMs: 10 });
    delivery.register("telegram", slow);
    delivery.start();
    await delivery.enqueue([notice("1", "lento")]);
    for (let k = 0; k < 50 && !release; k++) await new Promise((r) => setTimeout(r, 10));
    const stopping = delivery.stop();
    release();
    await stopping;
    expect(sent).toEqual(["lento"]);
    expect((await store.outbox.get(`i${n}`))?.state).toBe("sent");
  });
});
