/**
 * One turn at a time per conversation across processes that share a store (MongoDB behind a load
 * balancer: two messages of one chat may reach two processes at once). Here two apps share one
 * embedded store, as two processes share a database; scale-out.test.ts does it with processes on
 * MongoDB when MONGODB_URI is set.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ChatTurns } from "../src/conversation/chat-turns.js";
import { JournalConversations } from "../src/store/embedded/conversations.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { createLogger } from "../src/util/logger.js";
import { startBot, type TestBot, tempDir } from "./helpers/app.js";
import { faulty } from "./helpers/faulty-store.js";
import { LogLines } from "./helpers/service.js";

const bots: TestBot[] = [];
afterEach(async () => {
  // The second app shares the first's store: it stops first, the first closes the store.
  for (const bot of bots.splice(0).reverse()) await bot.close();
});

/** Two apps on one store: two processes of one deployment. */
async function twoProcesses(): Promise<[TestBot, TestBot]> {
  const a = await startBot();
  bots.push(a);
  const b = await startBot({ clock: a.clock, app: { store: a.app.store } });
  bots.push(b);
  return [a, b];
}

describe("one turn at a time per conversation, across processes", () => {
  it("messages of one chat reaching two processes at once are each handled after the other: none is lost from the conversation", async () => {
    const [a, b] = await twoProcesses();
    const ana = [a.citizen("ana"), b.citizen("ana")];
    await ana[0].receive("hola");
    const texts = ["menú", "ayuda", "menú", "ayuda", "menú", "ayuda"];
    await Promise.all(texts.map((text, i) => ana[i % 2].receive(text)));
    const record = await a.app.store.conversations.get("console:ana");
    // Each turn adds its message to those the conversation remembers: a turn that ran beside another
    // saved over it, and its message was gone.
    expect(record?.handled).toHaveLength(texts.length + 1);
  });

  it("a turn a process left held (it died) holds the chat's messages only until its lease runs out; then they are answered", async () => {
    const a = await startBot();
    bots.push(a);
    const ana = a.citizen("ana");
    await ana.receive("hola");
    // Another process took ana's turn and died: its lease runs out in 400 ms.
    const heldUntil = Date.now() + 400;
    expect(await a.app.store.conversations.hold("console:ana", "a process that died", new Date(heldUntil), new Date())).toBe(true);
    const answer = await ana.receive("ayuda");
    expect(Date.now()).toBeGreaterThanOrEqual(heldUntil);
    expect(answer).toContain("¿Qué quieres hacer?");
    // Given back after the message: the next goes at once.
    const started = Date.now();
    await ana.receive("menú");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a store that cannot be asked for the turn does not silence the chat: the message is handled as it would be", async () => {
    const dataDir = await tempDir();
    const store = faulty(await openEmbeddedStore(dataDir));
    const bot = await startBot({ dataDir, app: { store } });
    bots.push(bot);
    const ana = bot.citizen("ana");
    store.fail("conversations", "hold", { error: () => new Error("EIO: i/o error"), when: "before", times: 1 });
    expect(await ana.receive("hola")).toContain("¿Qué quieres hacer?");
    expect((await store.conversations.get("console:ana"))?.handled).toHaveLength(1);
  });

  it("a turn the store wrote but reported as failed (a write-concern timeout) is given back after the message", async () => {
    const dataDir = await tempDir();
    const store = faulty(await openEmbeddedStore(dataDir));
    const bot = await startBot({ dataDir, app: { store } });
    bots.push(bot);
    store.fail("conversations", "hold", { error: () => new Error("waiting for replication timed out"), when: "after", times: 1 });
    expect(await bot.citizen("ana").receive("hola")).toContain("¿Qué quieres hacer?");
    // Another process asks for the turn at once: free (before, it waited out the lease of a turn nobody held).
    await expect.poll(() => store.conversations.hold("console:ana", "another process", new Date(Date.now() + 30_000), new Date())).toBe(true);
  });

  it("a turn whose task outlasts its lease keeps it until the task ends; a task stuck past the longest turn lets it go, and says so", async () => {
    const conversations = await JournalConversations.open(null, () => undefined);
    const logs = new LogLines();
    const processOf = (owner: string) =>
      new ChatTurns({ conversations, owner, leaseMs: 600, maxTurnMs: 1500, logger: createLogger("warn", logs), pseudonym: () => "a chat" });
    const [a, b] = [processOf("a"), processOf("b")];
    const times: Record<string, number> = {};
    // Twice its lease (600 ms), within the longest turn (1500 ms).
    const slow = a.run("telegram:1", async () => {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      times.aEnded = Date.now();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await b.run("telegram:1", async () => {
      times.bStarted = Date.now();
    });
    await slow;
    expect(times.bStarted).toBeGreaterThanOrEqual(times.aEnded);
    expect(logs.lines.map((l) => l.msg)).toEqual(["waiting for another process's turn in a conversation for longer than a lease"]);
    logs.lines.length = 0;

    // A task that never ends (a process stuck): extended for 1500 ms, then its lease runs out and the other goes.
    void a.run("telegram:2", () => new Promise(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    expect(await b.run("telegram:2", async () => "went on")).toBe("went on");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(logs.lines.map((l) => l.msg)).toContain("conversation's turn running too long: no longer extended");
    a.stop();
  });
});
