/**
 * The panel over HTTP (Fastify's inject, no browser): the password the command line sets, the
 * session cookie and what ends it, the login's rate limit, the security headers, what each role
 * sees, both languages on every page, the inbox's filters and bulk move, and the plan's updates,
 * import and export through the same domain operations as the command line and the Telegram group.
 */
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adminDeps } from "../src/app.js";
import { EVENT_TYPES, recordEvent } from "../src/domain/model/events.js";
import type { Report } from "../src/domain/model/report.js";
import { calendarDate } from "../src/domain/plan/progress.js";
import { rateText } from "../src/panel/statistics.js";
import { runAdmin } from "../src/secretariat/admin-commands.js";
import { panelPassword, Visitor } from "./helpers/panel.js";
import { sampleReport } from "./helpers/reports.js";
import { addMembers, METEPEC, TOLUCA } from "./helpers/secretariat.js";
import { type RunningBot, runBot } from "./helpers/service.js";

let bot: RunningBot;
let server: FastifyInstance;

async function loggedIn(telegramId: string, password: string, headers: Record<string, string> = {}): Promise<Visitor> {
  const v = new Visitor(server, headers);
  const res = await v.submit("/panel/login", "/panel/login", { telegramId, password });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(303);
  return v;
}

const password = (telegramId: string) => panelPassword(bot, telegramId);

async function seed(over: Partial<Report>[]): Promise<Report[]> {
  const at = bot.clock.now();
  const rows = over.map((o) => ({ ...sampleReport({ createdAt: at, updatedAt: at, location: null, dispatchPending: false, dispatched: 1 }), ...o }));
  for (const r of rows) await bot.service.app.store.reports.insert(r);
  return rows;
}

beforeEach(async () => {
  bot = await runBot({ TRUST_PROXY: "1" });
  server = bot.service.server;
  await addMembers(bot);
});
afterEach(async () => {
  await bot.stop();
});

describe("logging in to the panel", () => {
  it("a session outlives a restart of the bot without PANEL_SESSION_KEY (its key comes from the kept data secret)", async () => {
    const v = await loggedIn("2001", await password("2001"));
    expect((await v.get("/panel/")).statusCode).toBe(200);
    bot = await bot.restart();
    server = bot.service.server;
    const again = new Visitor(server);
    for (const [name, value] of v.cookies) again.cookies.set(name, value);
    const inbox = await again.get("/panel/");
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain("Beatriz López");
  });

  it("the command line prints a password once, for a known member only; it logs in, a wrong one does not, and a new one ends the old sessions", async () => {
    const refused = await runAdmin(["member", "password", "--telegram-id", "999"], adminDeps(bot.service.app));
    expect(refused.stderr).toContain("no member has Telegram id 999");
    const first = await password("2001");
    expect(first).toMatch(/^[A-Za-z0-9]{20}$/);
    const stored = await bot.service.app.store.members.byTelegramId("2001");
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(stored?.passwordHash).not.toContain(first);

    const wrong = await new Visitor(server).submit("/panel/login", "/panel/login", { telegramId: "2001", password: "wrong-password-here" });
    expect(wrong.body).toContain("no son correctos");
    expect(wrong.cookies.map((c) => (c as { name: string }).name)).not.toContain("panel_session");
    const member = await loggedIn("2001", first);
    expect((await member.get("/panel/")).statusCode).toBe(200);
    await password("2001");
    const after = await member.get("/panel/");
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe("/panel/login?next=%2Fpanel%2F");
  });

  it("the session cookie is HttpOnly, SameSite=Lax, Secure behind HTTPS, and ends after PANEL_SESSION_HOURS; a changed cookie is refused", async () => {
    const pw = await password("2001");
    const v = new Visitor(server, { "x-forwarded-proto": "https" });
    const res = await v.submit("/panel/login", "/panel/login", { telegramId: "2001", password: pw });
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean; path?: string }[]).find(
      (c) => c.name === "panel_session",
    );
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: true, path: "/panel" });
    const plain = await loggedIn("2001", pw);
    expect((await plain.get("/panel/")).statusCode).toBe(200);
    const session = plain.cookies.get("panel_session") ?? "";
    plain.cookies.set(
      "panel_session",
      session.replace(/\.(\d{13})\./, (_m, t) => `.${Number(t) + 1000}.`),
    );
    expect((await plain.get("/panel/")).statusCode).toBe(303);
    plain.cookies.set("panel_session", session);
    bot.clock.advance(13 * 3600_000);
    expect((await plain.get("/panel/")).statusCode).toBe(303);
  });

  it("logging out ends the session everywhere: a copy of the cookie taken before holds no more; logging in again works", async () => {
    const pw = await password("2001");
    const v = await loggedIn("2001", pw);
    const copy = new Visitor(server);
    copy.cookies.set("panel_session", v.cookies.get("panel_session") ?? "");
    expect((await copy.get("/panel/")).statusCode).toBe(200);
    expect((await v.submit("/panel/", "/panel/logout", {})).statusCode).toBe(303);
    expect((await copy.get("/panel/")).headers.location).toMatch(/^\/panel\/login/);
    expect((await (await loggedIn("2001", pw)).get("/panel/")).statusCode).toBe(200);
  });

  it("a login link whose «next» carries a line break (a header it would inject) logs in and goes to the panel, never a 500", async () => {
    const pw = await password("2001");
    const v = new Visitor(server);
    const evil = `/panel/login?next=${encodeURIComponent("/panel/\r\nSet-Cookie: x=1")}`;
    const res = await v.submit(evil, evil, { telegramId: "2001", password: pw });
    expect([res.statusCode, res.headers.location]).toEqual([303, "/panel/"]);
    expect(res.headers["set-cookie"]?.toString()).not.toContain("x=1");
  });

  it("login attempts from one address are limited: the eleventh in a minute is a 429", async () => {
    const v = new Visitor(server);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await v.submit("/panel/login", "/panel/login", { telegramId: "2001", password: `guess-number-${i}` })).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it("every page carries a CSP without 'unsafe-inline' and frame-ancestors 'none'; unknown paths are a 404, pages without a session go to the login", async () => {
    const anonymous = new Visitor(server);
    const login = await anonymous.get("/panel/login");
    const csp = String(login.headers["content-security-policy"]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(login.body).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*application\/json)[^>]*>/);
    expect((await anonymous.get("/panel/statistics")).headers.location).toBe("/panel/login?next=%2Fpanel%2Fstatistics");
    expect((await anonymous.request("POST", "/panel/bulk", { move: "en_revision" })).statusCode).toBe(401);
    const member = await loggedIn("2001", await password("2001"));
    expect((await member.get("/panel/nothing-here")).statusCode).toBe(404);
    expect((await member.get("/panel/assets/vendor/htmx.min.js")).headers["content-type"]).toContain("javascript");
    expect((await member.get("/panel/assets/vendor/chart.umd.min.js")).statusCode).toBe(200);
  });
});

describe("what each member sees and does", () => {
  it("a resolved anonymous report a folio's holder says is not solved is marked in the inbox and its page, and stays resolved", async () => {
    const at = bot.clock.now();
    const step = (status: string, kind: "status" | "disputed", version: number) => ({ status, at, by: "citizen", note: null, kind, area: null, version });
    await seed([
      {
        folio: "MET-2026-000102",
        anonymous: true,
        status: "resuelto",
        version: 3,
        history: [step("recibido", "status", 1), step("resuelto", "status", 2), step("resuelto", "disputed", 3)],
      },
      { folio: "MET-2026-000103", anonymous: true, status: "resuelto", version: 2, history: [step("recibido", "status", 1), step("resuelto", "status", 2)] },
    ]);
    const v = await loggedIn("2001", await password("2001"));
    const inbox = (await v.get("/panel/?status=resuelto")).body;
    const row = (folio: string) => inbox.slice(inbox.indexOf(folio), inbox.indexOf("</tr>", inbox.indexOf(folio)));
    expect(row("MET-2026-000102")).toContain("puesto en duda");
    expect(row("MET-2026-000103")).not.toContain("puesto en duda");
    expect((await v.get("/panel/reports/MET-2026-000102")).body).toContain("La ciudadanía dice que sigue sin resolverse");
  });

  it("every page renders in Spanish and in English with no raw text key", async () => {
    await seed([{ folio: "MET-2026-000101" }]);
    await bot.service.app.store.members.save({
      ...(await bot.service.app.secretariat.members.add({ name: "Admin", role: "admin", municipalities: ["all"], telegramId: "1000" })),
    });
    const admin = await loggedIn("1000", await password("1000"));
    for (const lang of ["es-MX", "en"]) {
      for (const url of [
        "/panel/",
        "/panel/reports/MET-2026-000101",
        "/panel/statistics",
        "/panel/plan",
        "/panel/announcements",
        "/panel/operations",
        "/panel/nothing",
      ]) {
        const res = await admin.get(`${url}${url.includes("?") ? "&" : "?"}lang=${lang}`);
        expect(res.body, `${url} in ${lang}`).not.toMatch(
          /\b(nav|login|failure|inbox|report_page|problems|plan|plan_problems|statistics|announcements|desk|operations|status\.names|category)\.[a-z_]+\b(?![^<]*>)/,
        );
        expect(res.body).toContain(`lang="${lang}"`);
      }
    }
    expect((await admin.get("/panel/?lang=en")).body).toContain("Report inbox");
    // The statistics of one municipality link its open data.
    expect((await admin.get("/panel/statistics?municipality=15054")).body).toContain('href="/open-data/requests.csv?jurisdiction_id=15054"');
  });

  it("reports per 10,000 inhabitants show a small rate as it is: one report in Nezahualcóyotl is 0.0091, not 0.0", () => {
    expect(rateText((1 * 10_000) / 1_100_000)).toBe("0.0091");
    expect(rateText(0.25)).toBe("0.25");
    expect(rateText(12.345)).toBe("12.3");
    expect(rateText(0)).toBe("0.0");
    // Rounded to one, it reads as one does.
    expect(rateText(0.999)).toBe("1.0");
    expect(rateText(1)).toBe("1.0");
    expect(rateText(0.94)).toBe("0.94");
  });

  it("a member sees only their municipality; an admin every one, and operations (a 404 for others)", async () => {
    await seed([
      { folio: "MET-2026-000201", category: "alumbrado" },
      { folio: "TOL-2026-000201", municipality: TOLUCA },
    ]);
    const beatriz = await loggedIn("2001", await password("2001"));
    const inbox = await beatriz.get("/panel/");
    expect(inbox.body).toContain("MET-2026-000201");
    expect(inbox.body).not.toContain("TOL-2026-000201");
    expect((await beatriz.get(`/panel/?municipality=${TOLUCA}`)).statusCode).toBe(404);
    expect((await beatriz.get(`/panel/statistics?municipality=${TOLUCA}`)).statusCode).toBe(404);
    expect((await beatriz.get(`/panel/plan?municipality=${TOLUCA}`)).statusCode).toBe(404);
    expect((await beatriz.get("/panel/operations")).statusCode).toBe(404);
    await bot.service.app.secretariat.members.add({ name: "Admin", role: "admin", municipalities: ["all"], telegramId: "1000" });
    const admin = await loggedIn("1000", await password("1000"));
    const all = await admin.get("/panel/");
    expect(all.body).toContain("MET-2026-000201");
    expect(all.body).toContain("TOL-2026-000201");
    await bot.service.app.store.events.append([recordEvent({ type: "note_added", report: "r-ops", municipality: METEPEC }, "ops-note", new Date(), "m1")]);
    const ops = await admin.get("/panel/operations");
    expect(ops.statusCode).toBe(200);
    expect(ops.body).toContain("Beatriz López");
    expect(ops.body).not.toContain("scrypt$");
    // The audit trail in words: what happened and where, not its code and the INEGI key.
    expect(ops.body).toMatch(/<td>Nota interna<\/td><td>m1<\/td><td>Metepec<\/td>/);
    expect(ops.body).not.toContain("note_added");
    for (const type of EVENT_TYPES) expect(bot.service.app.texts.missingKey(`panel.operations.event_types.${type}`), type).toEqual([]);
  });

  it("the inbox filters by words, status, category, channel and overdue, counts per status, pages by 50, and moves the ticked reports in bulk", async () => {
    const rows = await seed([
      ...Array.from({ length: 55 }, (_, i) => ({ folio: `MET-2026-${String(300 + i).padStart(6, "0")}`, category: "alumbrado", channel: "web" as const })),
      { folio: "MET-2026-000400", category: "agua", description: "Fuga de agua en la calle Morelos", channel: "whatsapp" as const },
    ]);
    const pw = await password("2001");
    let v = await loggedIn("2001", pw);
    const page1 = await v.get("/panel/?category=alumbrado");
    expect(page1.body.match(/name="report"/g)).toHaveLength(50);
    expect(page1.body).toContain("Página 1 de 2");
    expect((await v.get("/panel/?category=alumbrado&page=2")).body.match(/name="report"/g)).toHaveLength(5);
    const words = await v.get("/panel/?q=fuga+MORELOS");
    expect(words.body.match(/name="report"/g)).toHaveLength(1);
    expect((await v.get("/panel/?channel=whatsapp")).body).toContain("MET-2026-000400");
    expect((await v.get("/panel/?overdue=1")).body.match(/name="report"/g) ?? []).toHaveLength(0);
    // Three days on (a new session: the old one ended), the reports still recibido are overdue (2 days).
    bot.clock.advance(3 * 86400_000);
    v = await loggedIn("2001", pw);
    expect((await v.get("/panel/?overdue=1")).body.match(/name="report"/g)).toHaveLength(50);
    const ticked = rows.slice(0, 2).map((r) => `${r.id}:${r.version}`);
    const stale = `${rows[2].id}:${rows[2].version + 5}`;
    const moved = await v.submit("/panel/", "/panel/bulk", { move: "en_revision", report: [...ticked, stale], back: "/panel/?category=alumbrado" });
    expect(moved.headers.location).toBe("/panel/?category=alumbrado&done=2&failed=1");
    const after = await v.get(moved.headers.location as string);
    expect(after.body).toContain("Listo: 2 reportes cambiaron; 1 no");
    expect(after.body).toMatch(/En revisión <span class="n">2<\/span>/);
    const events = await bot.service.app.store.events.list({ municipality: METEPEC, type: "status_changed" }, 10);
    expect(events).toHaveLength(2);
    // Channelling in bulk needs an office of the municipality, as on the card.
    const area = bot.service.app.secretariat.areas.forMunicipality(METEPEC)[0].id;
    await v.submit("/panel/", "/panel/bulk", { move: "canalizado", report: [`${rows[3].id}:1`], area: "no_such_office" });
    expect((await bot.service.app.store.reports.byId(rows[3].id))?.status).toBe("recibido");
    await v.submit("/panel/", "/panel/bulk", { move: "canalizado", report: [`${rows[3].id}:1`], area });
    expect((await bot.service.app.store.reports.byId(rows[3].id))?.area).toBe(area);
  });

  it("the report page refuses a move the lifecycle does not allow, one without its reason, a public text with personal data, and one on an outdated version, saying why", async () => {
    const [r] = await seed([{ folio: "MET-2026-000500" }]);
    const v = await loggedIn("2001", await password("2001"));
    const page = `/panel/reports/${r.folio}`;
    // Who reports: a citizen followed in their chat, never called "named" (the bot asks no one's name).
    expect((await v.get(page)).body).toMatch(/Quién reporta<\/dt><dd>Con seguimiento por su chat/);
    // Refused, the page comes back at once saying why, with what was typed still in its form.
    const noReason = await v.submit(page, `${page}/status`, { version: "1", to: "no_procede", note: "" });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain("requiere una nota pública");
    expect(noReason.body).toMatch(/<option value="no_procede" selected>/);
    // A public answer anyone with the folio reads may not carry a phone number (nor a reason: same check).
    const phone = await v.submit(page, `${page}/answer`, { version: "1", text: "Le llamamos al 722 555 0199 <b>hoy</b>" });
    expect(phone.statusCode).toBe(422);
    expect(phone.body).toContain("lo puede leer cualquiera que tenga el folio");
    expect(phone.body).toMatch(/<textarea id="a-answer"[^>]*>Le llamamos al 722 555 0199 &lt;b&gt;hoy&lt;\/b&gt;<\/textarea>/);
    expect(phone.body).toMatch(/<textarea id="a-internal"[^>]*><\/textarea>/);
    // Its language links lead to the report's page, not to the action's address.
    expect(phone.body).toContain(`href="${page}?lang=en"`);
    expect(phone.body).not.toContain(`${page}/answer?lang`);
    const reason = await v.submit(page, `${page}/status`, { version: "1", to: "no_procede", note: "Escríbanos a vecino@example.com" });
    expect(reason.statusCode).toBe(422);
    expect(reason.body).toMatch(/<textarea id="a-note"[^>]*>Escríbanos a vecino@example.com<\/textarea>/);
    const ok = await v.submit(page, `${page}/answer`, { version: "1", text: "Gracias, lo revisamos" });
    expect(ok.headers.location).toBe(`${page}?ok=answered`);
    // Answered meanwhile by someone else: the page shows it as it is now, and the answer typed is kept to send again.
    const outdated = await v.submit(page, `${page}/answer`, { version: "1", text: "Ya va la cuadrilla" });
    expect(outdated.statusCode).toBe(422);
    expect(outdated.body).toMatch(/<textarea id="a-answer"[^>]*>Ya va la cuadrilla<\/textarea>/);
    expect(outdated.body).toMatch(/name="version" value="2"/);
    expect((await bot.service.app.store.reports.byId(r.id))?.history.map((h) => h.note)).toEqual([null, "Gracias, lo revisamos"]);
    // A note adds to what is there, whatever changed since: taken.
    const note = await v.submit(page, `${page}/note`, { version: "1", text: "nota" });
    expect(note.headers.location).toBe(`${page}?ok=noted`);
    expect((await bot.service.app.store.reports.byId(r.id))?.notes.map((n) => n.text)).toEqual(["nota"]);
  });
});

describe("publishing a report's public text from the panel", () => {
  it("the form offers the description when it holds no personal data; a text with a phone is refused saying why; open data then shows the published text", async () => {
    const [clean, personal] = await seed([
      { folio: "MET-2026-000600", description: "Luminaria apagada en el parque central" },
      { folio: "MET-2026-000601", description: "Fuga de agua, mi correo es ana.perez@example.com" },
    ]);
    const v = await loggedIn("2001", await password("2001"));
    const page = `/panel/reports/${clean.folio}`;
    expect((await v.get(page)).body).toMatch(/<textarea id="a-publish"[^>]*>Luminaria apagada en el parque central<\/textarea>/);
    expect((await v.get(`/panel/reports/${personal.folio}`)).body).toMatch(/<textarea id="a-publish"[^>]*><\/textarea>/);

    const refused = await v.submit(page, `${page}/publish`, { version: "1", text: "Luminaria apagada; informes al 722 555 0199" });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain("lo puede leer cualquiera que tenga el folio o vea los datos abiertos");
    expect(refused.body).toMatch(/<textarea id="a-publish"[^>]*>Luminaria apagada; informes al 722 555 0199<\/textarea>/);
    expect((await bot.service.app.store.reports.byId(clean.id))?.publication ?? null).toBeNull();

    const ok = await v.submit(page, `${page}/publish`, { version: "1", text: "Luminaria apagada en el parque central" });
    expect(ok.headers.location).toBe(`${page}?ok=published`);
    expect((await v.get(ok.headers.location as string)).body).toContain("Texto público publicado en datos abiertos.");
    const open = await server.inject({ method: "GET", url: `/open311/v2/requests/${clean.folio}.json` });
    expect(open.json()[0]).toMatchObject({ description: "Luminaria apagada en el parque central" });
    // Another municipality's member cannot publish it (the report is a 404 to them).
    const tomas = await loggedIn("3001", await password("3001"));
    const foreign = await tomas.submit("/panel/", `${page}/publish`, { version: "2", text: "Otro texto" });
    expect(foreign.statusCode).toBe(404);
    expect((await bot.service.app.store.reports.byId(clean.id))?.publication?.description).toBe("Luminaria apagada en el parque central");
  });
});

describe("data requests (ARCO) in the panel", () => {
  it("members see their municipality's requests that wait for a person, with the deadline and days left; marking one done is recorded as theirs", async () => {
    const rights = bot.service.app.dataRights;
    const waiting = await rights.record("rectification", { id: "whatsapp:5217221234567@c.us", municipality: METEPEC }, "pending");
    await rights.record("access", { id: "telegram:9", municipality: METEPEC });
    const toluca = await rights.record("rectification", { id: "telegram:10", municipality: TOLUCA }, "pending");
    const beatriz = await loggedIn("2001", await password("2001"));
    const page = await beatriz.get("/panel/data-requests");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(waiting.code);
    expect(page.body).toContain(waiting.deadline);
    // The days left, counted from today where the municipality is (26 to 28: 20 business days from any weekday).
    const today = calendarDate(bot.clock.now(), bot.service.app.deployment.timeZone);
    const left = Math.round((Date.parse(`${waiting.deadline}T12:00:00Z`) - Date.parse(`${today}T12:00:00Z`)) / 86_400_000);
    expect(left).toBeGreaterThanOrEqual(26);
    expect(left).toBeLessThanOrEqual(28);
    expect(page.body).toContain(`${left} días`);
    expect(page.body).not.toContain(toluca.code);
    expect(page.body).not.toContain("5217221234567");
    // Tomás (Toluca) cannot mark Metepec's: a 404, and it stays pending.
    const tomas = await loggedIn("3001", await password("3001"));
    expect((await tomas.submit("/panel/data-requests", `/panel/data-requests/${waiting.code}/done`, {})).statusCode).toBe(404);
    expect((await rights.pending([METEPEC])).map((r) => r.code)).toEqual([waiting.code]);
    // Beatriz marks it done: gone from the pending ones, in the trail as hers.
    const done = await beatriz.submit("/panel/data-requests", `/panel/data-requests/${waiting.code}/done`, {});
    expect(done.headers.location).toBe("/panel/data-requests?ok=done");
    expect(await rights.pending([METEPEC])).toEqual([]);
    const members = await bot.service.app.secretariat.members.list();
    const [entry] = await bot.service.app.store.events.list({ type: "data_request_done" }, 5);
    expect(entry).toMatchObject({ actor: members.find((m) => m.telegramId === "2001")?.id, municipality: METEPEC, data: { code: waiting.code } });
    const again = await beatriz.submit("/panel/data-requests", `/panel/data-requests/${waiting.code}/done`, {});
    expect(again.headers.location).toBe("/panel/data-requests?problem=already_done");
    // As the days pass without an answer, the page says how late a request is (Toluca's, to Tomás).
    bot.clock.advance(40 * 86_400_000);
    const later = await loggedIn("3001", await password("3001"));
    const late = (await later.get("/panel/data-requests")).body;
    expect(late).toContain(toluca.code);
    expect(late).toMatch(/vencida hace 1[2-4] días/);
  });
});

describe("the Plan de Acción in the panel", () => {
  it("a facilitator imports a plan file, marks a milestone done with its evidence, moves a date with its reason, updates an indicator, and exports the same file", async () => {
    const example = (await readFile("examples/plan-de-accion.example.yaml", "utf8")).replace(/^example: true\n/m, "");
    const v = await loggedIn("2001", await password("2001"));
    const imported = await v.submit("/panel/plan", "/panel/plan/import", { format: "yaml", file: example });
    expect(imported.headers.location).toBe(`/panel/plan?municipality=${METEPEC}&ok=imported`);
    const broken = await v.submit("/panel/plan", "/panel/plan/import", { format: "yaml", file: example.replace(/due: 2026-/, "due: 2026-13-") });
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toMatch(/plan\.yaml:\d+/);
    const commitments = await bot.service.app.store.commitments.forMunicipality(METEPEC);
    const c = commitments.find((x) => x.milestones.some((m) => !m.done) && x.indicators.length) ?? commitments[0];
    const open = c.milestones.filter((m) => !m.done);
    const done = await v.submit("/panel/plan", "/panel/plan/milestone-done", {
      commitment: c.id,
      version: String(c.version),
      milestone: String(open[0].number),
      evidence: "https://example.org/acta",
    });
    expect(done.headers.location).toContain("ok=done");
    const notLink = await v.submit("/panel/plan", "/panel/plan/milestone-done", {
      commitment: c.id,
      version: String(c.version + 1),
      milestone: String(open[1]?.number ?? 99),
      evidence: "acta",
    });
    expect(notLink.headers.location).toMatch(/problem=(bad_link|unknown_milestone|already_done)/);
    const after = await bot.service.app.store.commitments.get(c.id);
    expect(after?.milestones.find((m) => m.number === open[0].number)?.evidence).toBe("https://example.org/acta");
    if (open[1]) {
      const moved = await v.submit("/panel/plan", "/panel/plan/milestone-move", {
        commitment: c.id,
        version: String(after?.version),
        milestone: String(open[1].number),
        due: "2027-06-30",
        reason: "Lluvias",
      });
      expect(moved.headers.location).toContain("ok=moved");
    }
    const exported = await v.get(`/panel/plan/export?municipality=${METEPEC}&format=yaml`);
    expect(exported.headers["content-disposition"]).toContain(`plan-${METEPEC}.yaml`);
    expect(exported.body).toContain("https://example.org/acta");
    const tomas = await loggedIn("3001", await password("3001"));
    expect((await tomas.get(`/panel/plan/export?municipality=${METEPEC}&format=csv`)).statusCode).toBe(404);
    const foreign = await tomas.submit("/panel/plan", "/panel/plan/import", { format: "yaml", file: example });
    expect(foreign.statusCode).toBe(404);
    const trail = await bot.service.app.store.events.list({ municipality: METEPEC }, 50);
    expect(trail.some((e) => e.type === "milestone_done")).toBe(true);
  });
});
