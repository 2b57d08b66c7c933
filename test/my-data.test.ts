/**
 * "mis datos" (derechos ARCO) in the chat: everything held about the citizen, the file of it, corrections,
 * no more notices, deleting it all (reports stay, de-identified); each request recorded with its legal
 * deadline for the secretariat; "privacidad" shows the whole notice; the retention job.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { adminDeps } from "../src/app.js";
import { addBusinessDays } from "../src/domain/data-rights.js";
import { calendarDate } from "../src/domain/plan/progress.js";
import { myDataPagePlugin } from "../src/http/my-data-page.js";
import { contribution } from "../src/http/server.js";
import { Understander } from "../src/nlu/understander.js";
import { runAdmin } from "../src/secretariat/admin-commands.js";
import { StoreWriteError } from "../src/store/embedded/append-handles.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { NewOutboxItem } from "../src/store/ports.js";
import { httpServer, startBot, type TestBot, tempDir, typist } from "./helpers/app.js";
import { faulty } from "./helpers/faulty-store.js";
import { sampleReport } from "./helpers/reports.js";

let bot: TestBot;
afterEach(async () => {
  await bot?.close();
});

const citizen = typist;

const HERE = "/location 19.2566 -99.6047";
const DESCRIPTION = "Bache profundo frente a la casa de Rosalinda Quintero";

/** A notice with id `id` waiting for the console chat `chatId`. */
function noticeTo(id: string, chatId: string, text: string): NewOutboxItem {
  return { id, channel: "console", chatId, kind: "notice", ref: "r-1", payload: { id: `p-${id}`, lang: "es-MX", text }, createdAt: new Date() };
}

async function fileReport(b: TestBot, user: string, where = HERE): Promise<string> {
  const done = await citizen(b, user)("hola", "1", "sí", where, "Baches y calles", DESCRIPTION, "2", "omitir", "1", "1");
  const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1];
  if (!folio) throw new Error(`no report filed:\n${done}`);
  return folio;
}

describe("mis datos", () => {
  it("a visitor who never consented is told nothing is kept, and nothing is written", async () => {
    bot = await startBot();
    const say = citizen(bot, "visita");
    expect(await say("hola", "mis datos")).toMatch(/No guardamos ningún dato tuyo/);
    expect(await bot.app.store.citizens.get("console:visita")).toBeNull();
    expect(await bot.app.dataRights.requests()).toEqual([]);
  });

  it("shows everything held, gives the file as a link that downloads it, and records each request with its deadline", async () => {
    bot = await startBot();
    const folio = await fileReport(bot, "ana");
    const say = citizen(bot, "ana");
    const summary = await say("mis datos");
    expect(summary).toContain("Esto es todo lo que guardamos sobre ti");
    expect(summary).toContain(folio);
    expect(summary).toContain(DESCRIPTION);
    expect(summary).toContain("Reportes que enviaste: 1");
    const file = await say("Descargar mis datos");
    const url = /(http:\/\/\S+\/mis-datos\/\S+)/.exec(file)?.[1];
    expect(url).toBeDefined();
    const server = await httpServer(bot, [contribution(myDataPagePlugin, { files: bot.app.myDataFiles })]);
    try {
      const res = await server.inject({ method: "GET", url: new URL(url as string).pathname });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-disposition"]).toContain("mis-datos.json");
      const body = res.json();
      expect(body.reports[0]).toMatchObject({ folio, description: DESCRIPTION, category: "baches" });
      expect(body.citizen).toMatchObject({ channel: "console", language: "es-MX" });
      // Altered or expired, the link gives nothing.
      expect((await server.inject({ method: "GET", url: `${new URL(url as string).pathname}x` })).statusCode).toBe(404);
      bot.clock.advance(16 * 60_000);
      expect((await server.inject({ method: "GET", url: new URL(url as string).pathname })).statusCode).toBe(404);
    } finally {
      await server.close();
    }
    const requests = await bot.app.dataRights.requests();
    expect(requests.map((r) => r.right).sort()).toEqual(["access", "portability"]);
    // 20 business days from the day of the request where the municipality is (not the UTC date).
    for (const r of requests) expect(r.deadline).toBe(addBusinessDays(calendarDate(r.at, bot.app.deployment.timeZone), 20));
    // Nothing in a request names who made it.
    const trail = await bot.app.store.events.list({ type: "data_request" }, 10);
    expect(JSON.stringify(trail)).not.toContain("ana");
  });

  it("the link and the audit trail's pseudonyms survive a restart: the data secret is kept in the data folder, never a chat id in the trail", async () => {
    bot = await startBot();
    await fileReport(bot, "5217221234567");
    const file = await citizen(bot, "5217221234567")("mis datos", "Descargar mis datos");
    const path = new URL(/(http:\/\/\S+\/mis-datos\/\S+)/.exec(file)?.[1] as string).pathname;
    bot = await bot.restart();
    expect(await bot.app.myDataFiles.ofPath(path)).toBeDefined();
    const held = await bot.app.dataRights.held("console:5217221234567");
    expect(held.events.map((e) => e.type)).toContain("consent_recorded");
    expect(JSON.stringify(await bot.app.store.events.list({}, 100))).not.toContain("5217221234567");
    // Another deployment's secret opens nothing.
    const other = await startBot();
    try {
      expect(await other.app.myDataFiles.ofPath(path)).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it("another correction or request is recorded as waiting for a person, with its code and deadline, and goes to a person", async () => {
    bot = await startBot();
    await fileReport(bot, "rosa");
    const out = await citizen(bot, "rosa")("mis datos", "Otra corrección o solicitud (con una persona)");
    const [request] = await bot.app.dataRights.pending();
    expect(request).toMatchObject({ right: "rectification", state: "pending" });
    expect(out).toContain(`Registramos tu solicitud ${request.code}: el plazo legal para atenderla vence el ${request.deadline}`);
    // On to a person (no group linked in this test: said plainly, or the handoff's first question).
    expect(out).toMatch(/Secretariado Técnico/);
    const listed = await runAdmin(["arco", "list"], adminDeps(bot.app));
    expect(listed.stdout).toContain(request.code);
  });

  it("corrects the municipality and the language", async () => {
    bot = await startBot();
    await fileReport(bot, "beto");
    const say = citizen(bot, "beto");
    await say("mis datos");
    expect(await say("Corregir mi municipio", "Toluca")).toContain("tu municipio es Toluca");
    expect((await bot.app.store.citizens.get("console:beto"))?.municipality).toBe("15106");
    // The commitments are those of the corrected municipality, not of the report's (Metepec).
    const commitments = await say("menú", "compromisos");
    expect(commitments).toContain("Toluca");
    expect(commitments).not.toContain("Metepec");
    await say("menú", "mis datos");
    expect(await say("Corregir mi idioma", "English")).toMatch(/English/);
    expect((await bot.app.store.citizens.get("console:beto"))?.language).toBe("en");
    const rights = (await bot.app.dataRights.requests()).map((r) => r.right);
    expect(rights.filter((r) => r === "rectification").length).toBe(2);
  });

  it("stops every notice from mis datos", async () => {
    bot = await startBot();
    await fileReport(bot, "cata");
    const say = citizen(bot, "cata");
    await say("mis datos");
    await say("No recibir más avisos");
    expect((await bot.app.store.citizens.get("console:cata"))?.noticesStoppedAt).toBeInstanceOf(Date);
    expect((await bot.app.dataRights.requests()).map((r) => r.right)).toContain("opposition");
  });

  it("deletes the citizen's data after a clear question; the report stays, de-identified", async () => {
    bot = await startBot();
    const folio = await fileReport(bot, "dora");
    const say = citizen(bot, "dora");
    // She also receives Metepec's announcements.
    const dora = await bot.app.store.citizens.get("console:dora");
    expect(await bot.app.secretariat.subscriptions.subscribe(dora as NonNullable<typeof dora>, "15054")).toBeTruthy();
    expect(await say("mis datos")).toMatch(/municipios de los que recibes avisos: 1/);
    // Notices went to her chat (one sent, one given up, one still waiting), and one to someone else.
    const notice = (id: string, chatId: string) => noticeTo(id, chatId, `Tu reporte ${folio} cambió`);
    const outbox = bot.app.store.outbox;
    await outbox.add([notice("n-sent", "dora"), notice("n-failed", "dora"), notice("n-other", "otra")]);
    for (const item of await outbox.claim("console", "w", new Date(Date.now() + 1000), 60_000, 10)) {
      if (item.id === "n-failed") await outbox.markFailed(item.id, "w", "attempts", new Date());
      else await outbox.markSent(item.id, "w", new Date(), null);
    }
    await outbox.add([notice("n-waiting", "dora")]);
    expect(await say("Borrar mis datos")).toContain("¿Borramos tus datos?");
    expect(await say("no")).toContain("No borramos nada");
    expect(await bot.app.store.citizens.get("console:dora")).not.toBeNull();
    await say("Borrar mis datos");
    // What the understanding remembers of short texts (a name typed once may be one) goes too.
    const forget = vi.spyOn(Understander.prototype, "forget");
    try {
      expect(await say("sí")).toContain("borramos tus datos");
      expect(forget).toHaveBeenCalled();
    } finally {
      forget.mockRestore();
    }
    expect(await bot.app.store.citizens.get("console:dora")).toBeNull();
    const report = await bot.app.store.reports.byFolio(folio);
    expect(report).toMatchObject({ citizenId: null, description: "", address: null, contactable: false, status: "recibido" });
    expect(report?.location).toEqual({ latitude: 19.257, longitude: -99.605 });
    expect(await bot.app.store.follows.forCitizen("console:dora")).toEqual([]);
    expect(await bot.app.store.subscriptions.forCitizen("console:dora")).toEqual([]);
    expect(await bot.app.store.events.list({ citizen: "console:dora" }, 10)).toEqual([]);
    for (const id of ["n-sent", "n-failed", "n-waiting"]) expect(await outbox.get(id), id).toBeNull();
    expect(await outbox.get("n-other")).toMatchObject({ state: "sent", payload: null });
    const kept = await bot.app.store.conversations.get("console:dora");
    expect(JSON.stringify(kept)).not.toContain("Rosalinda");
    // Nor the ids of the messages before the erasure (that of the one that filed a report ties it to this chat): only the erasing one's.
    expect(kept?.handled).toHaveLength(1);
    // Asked again, nothing is held.
    expect(await say("mis datos")).toMatch(/No guardamos ningún dato tuyo/);
    expect((await bot.app.dataRights.requests()).map((r) => r.right)).toContain("cancellation");
  });

  it("an erasure that fails partway can be asked again: the question still waits, and «sí» erases what is left", async () => {
    bot = await startBot();
    await fileReport(bot, "fede");
    const say = citizen(bot, "fede");
    await bot.app.store.outbox.add([noticeTo("n-fede", "fede", "aviso")]);
    await say("mis datos");
    expect(await say("Borrar mis datos")).toContain("¿Borramos tus datos?");
    // The outbox cannot be written once, after the citizen record went.
    const forget = vi.spyOn(bot.app.store.outbox, "forgetChat").mockRejectedValueOnce(new StoreWriteError("outbox.db", new Error("ENOSPC")));
    try {
      expect(await say("sí")).not.toContain("borramos tus datos");
    } finally {
      forget.mockRestore();
    }
    expect(await bot.app.store.outbox.get("n-fede")).not.toBeNull();
    expect(await say("sí")).toContain("borramos tus datos");
    expect(await bot.app.store.outbox.get("n-fede")).toBeNull();
    expect(await bot.app.store.citizens.get("console:fede")).toBeNull();
  });

  it("deleting it in the middle of a report deletes that report too: nothing of it is kept nor offered back", async () => {
    bot = await startBot();
    const say = citizen(bot, "eva");
    await say("hola", "1", "sí", "Texcoco", "Baches y calles");
    expect(await say("Bache frente a la casa de Rosalinda Quintero, calle Juárez")).toBeTruthy();
    const held = await say("mis datos");
    // Said as a reader would: the day and time, and no blank where no municipality is recorded.
    expect(held).toMatch(/Aviso de privacidad aceptado: versión \S+ \(\d{1,2} \w+ \d{4}/);
    expect(held).toContain("• Municipio: sin registrar");
    expect(held).toContain("Un reporte que empezaste y no has enviado");
    await say("Borrar mis datos");
    expect(await say("sí")).toContain("borramos tus datos");
    const kept = await bot.app.store.conversations.get("console:eva");
    expect(JSON.stringify(kept)).not.toMatch(/Rosalinda|Texcoco|Juárez/);
    expect((kept?.state as { vars?: Record<string, unknown> } | undefined)?.vars?.draft ?? null).toBeNull();
    const after = await say("1");
    expect(after).not.toMatch(/sin terminar|no pude recuperar/);
    expect(await say("mis datos")).toMatch(/No guardamos ningún dato tuyo/);
  });

  it("deleting the citizen's data deletes the photos of their reports, not only drafts", async () => {
    bot = await startBot();
    const photo = `/photo ${join(import.meta.dirname, "fixtures", "bache.png")}`;
    const done = await citizen(bot, "eva")("hola", "1", "sí", HERE, "Baches y calles", DESCRIPTION, "2", photo, "1", "1");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    const [id] = (await bot.app.store.reports.byFolio(folio))?.photos ?? [];
    expect(await bot.app.store.media.get(id)).not.toBeNull();
    const say = citizen(bot, "eva");
    await say("mis datos");
    await say("Borrar mis datos");
    expect(await say("sí")).toContain("borramos tus datos");
    expect((await bot.app.store.reports.byFolio(folio))?.photos).toEqual([]);
    expect(await bot.app.store.media.get(id)).toBeNull();
    expect(await readdir(join(bot.dataDir, "media"))).toEqual([]);
  });

  it("a photo that cannot be deleted leaves the report as it was, and the erasure asked again deletes it", async () => {
    const dataDir = await tempDir();
    const store = faulty(await openEmbeddedStore(dataDir));
    bot = await startBot({ dataDir, app: { store } });
    const photo = `/photo ${join(import.meta.dirname, "fixtures", "bache.png")}`;
    const done = await citizen(bot, "fer")("hola", "1", "sí", HERE, "Baches y calles", DESCRIPTION, "2", photo, "1", "1");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    const [id] = (await bot.app.store.reports.byFolio(folio))?.photos ?? [];
    const say = citizen(bot, "fer");
    await say("mis datos");
    await say("Borrar mis datos");
    store.fail("media", "remove", { error: () => new Error("EIO: i/o error"), when: "before" });
    expect(await say("sí")).not.toContain("borramos tus datos");
    // Nothing half done: the report still names its photo, which is still there.
    expect((await bot.app.store.reports.byFolio(folio))?.photos).toEqual([id]);
    expect(await bot.app.store.media.get(id)).not.toBeNull();
    await say("mis datos");
    await say("Borrar mis datos");
    expect(await say("sí")).toContain("borramos tus datos");
    expect((await bot.app.store.reports.byFolio(folio))?.photos).toEqual([]);
    expect(await bot.app.store.media.get(id)).toBeNull();
  });

  it("the secretariat lists the requests with their deadlines: npm run admin -- arco list", async () => {
    bot = await startBot();
    await fileReport(bot, "eva");
    await citizen(bot, "eva")("mis datos");
    const out = await runAdmin(["arco", "list"], adminDeps(bot.app));
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/A-[0-9A-F]{6}\s+access\s+\d{4}-\d{2}-\d{2}\s+\d{4}-\d{2}-\d{2}\s+atendida/);
  });

  it("works in English too", async () => {
    bot = await startBot();
    const say = citizen(bot, "fer", "en");
    await say("hello", "1", "yes", HERE, "Potholes and streets", "A deep pothole in front of the school", "2", "skip", "1", "1");
    expect(await say("my data")).toContain("This is everything we keep about you");
  });

  it("«privacidad» shows the whole notice, then the question again", async () => {
    bot = await startBot();
    const say = citizen(bot, "gil");
    const text = await say("hola", "privacidad");
    expect(text).toContain("Aviso de privacidad integral");
    expect(text).toMatch(/ARCO/);
    expect(text.length).toBeGreaterThan(2000);
  });
});

describe("retention", () => {
  it("de-identifies closed reports after RETENTION_DAYS and leaves open and recent ones", async () => {
    bot = await startBot({ env: { RETENTION_DAYS: "30" } });
    const closed = await fileReport(bot, "hugo");
    const open = await fileReport(bot, "ines", "/location 19.2866 -99.6547");
    const member = { id: "m1", name: "m1", role: "admin" as const, municipalities: ["*"], telegramId: null, createdAt: new Date(0), updatedAt: new Date(0) };
    const report = await bot.app.store.reports.byFolio(closed);
    if (!report) throw new Error("no report");
    expect((await bot.app.secretariat.triage.changeStatus(report.id, report.version, member, { to: "resuelto" })).ok).toBe(true);
    bot.clock.advance(29 * 24 * 60 * 60 * 1000);
    expect(await bot.app.retention.run()).toBe(0);
    // Someone holding the folio says it is not solved, the day before: that changes nothing of the report, nor how long it is kept.
    expect((await bot.app.secretariat.triage.dispute(report.id)).ok).toBe(true);
    bot.clock.advance(2 * 24 * 60 * 60 * 1000);
    expect(await bot.app.retention.run()).toBe(1);
    expect(await bot.app.store.reports.byFolio(closed)).toMatchObject({ citizenId: null, description: "", status: "resuelto" });
    expect((await bot.app.store.reports.byFolio(open))?.description).toBe(DESCRIPTION);
    expect(await bot.app.retention.run()).toBe(0);
  });

  it("processes every due report, oldest first in batches, past reports created long ago but changed lately", async () => {
    bot = await startBot({ env: { RETENTION_DAYS: "30" } });
    const now = bot.clock.now().getTime();
    const day = 24 * 60 * 60 * 1000;
    const closedAt = (created: number, changed: number) => {
      const at = new Date(now - created * day);
      const last = new Date(now - changed * day);
      return sampleReport({
        createdAt: at,
        updatedAt: last,
        status: "resuelto",
        dispatchPending: false,
        history: [
          { status: "recibido", at, by: "system", note: null, kind: "status", area: null, version: 1 },
          { status: "resuelto", at: last, by: "m1", note: null, kind: "status", area: null, version: 2 },
        ],
        version: 2,
      });
    };
    // Twelve due (closed 150 days ago); six newer ones closed yesterday, which a batch of the newest would hit first.
    const due = Array.from({ length: 12 }, (_, i) => closedAt(200 + i, 150));
    const recent = Array.from({ length: 6 }, (_, i) => closedAt(100 + i, 1));
    for (const r of [...due, ...recent]) await bot.app.store.reports.insert(r);
    const order: string[] = [];
    const update = bot.app.store.reports.update.bind(bot.app.store.reports);
    bot.app.store.reports.update = async (report, version) => {
      order.push(report.id);
      return update(report, version);
    };
    expect(await bot.app.dataRights.purgeClosed(30, 5)).toBe(12);
    // Oldest first.
    expect(order).toEqual([...due].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((r) => r.id));
    for (const r of recent) expect((await bot.app.store.reports.byId(r.id))?.description).toBe("Bache profundo frente al mercado");
    expect(await bot.app.dataRights.purgeClosed(30, 5)).toBe(0);
  });
});
