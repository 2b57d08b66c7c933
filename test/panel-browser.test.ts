/**
 * The secretariat's web panel in a real browser (playwright-core on the system Chromium): logging
 * in, triaging a report whose notice reaches the citizen's open web chat, the 404 of another
 * municipality's report, the 403 of a form without its CSRF token, the statistics' charts drawn
 * under the CSP with no console error, and the inbox used with the keyboard alone. One screenshot
 * per main page is kept in test/artifacts/panel/ (git-ignored). On a machine without Chromium the
 * suite says it was skipped (CI installs it).
 */
import { mkdir } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../src/domain/model/report.js";
import { CHROMIUM, chromiumAvailable, launchChromium } from "./helpers/browser.js";
import { sampleReport } from "./helpers/reports.js";
import { addMembers, METEPEC, TOLUCA } from "./helpers/secretariat.js";
import { type RunningBot, runBot } from "./helpers/service.js";

const available = chromiumAvailable;
if (!available && !process.env.CI) console.info(`panel browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

const HOST = "municipio.test";
const ARTIFACTS = "test/artifacts/panel";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let bot: RunningBot;
let browser: Browser;
let base: string;
const passwords: Record<string, string> = {};
const seeded: Report[] = [];

interface Watched {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

async function watched(viewport = DESKTOP): Promise<Watched> {
  const context = await browser.newContext({ locale: "es-MX", viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  await page.exposeFunction("reportViolation", (v: string) => errors.push(`CSP ${v}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on("console", (m) => {
    if (/Cross-Origin-Opener-Policy header has been ignored/.test(m.text())) return;
    if (m.type() === "error" || /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, errors };
}

async function logIn(page: Page, telegramId: string): Promise<void> {
  await page.goto(`${base}/panel/`);
  await expect.poll(() => page.url()).toContain("/panel/login");
  await page.getByLabel("ID de Telegram").fill(telegramId);
  await page.getByLabel("Contraseña").fill(passwords[telegramId]);
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.waitForURL(`${base}/panel/`);
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
/** What sticks out of the viewport, for the failure message. */
const wide = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap"))
      .map((e) => `${e.tagName}.${e.className}`)
      .slice(0, 8)
      .join(", "),
  );
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

describe.skipIf(!available && !process.env.CI)("the secretariat's panel in Chromium", () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    bot = await runBot({});
    await addMembers(bot);
    const members = bot.service.app.secretariat.members;
    for (const id of ["2001", "3001"]) passwords[id] = (await members.setPassword(id)).password;
    const at = bot.clock.now();
    const rows = [
      sampleReport({ folio: "MET-2026-900001", category: "alumbrado", description: "Farola apagada en la calle Hidalgo", createdAt: at, updatedAt: at }),
      sampleReport({ folio: "MET-2026-900002", category: "alumbrado", description: "Luminaria rota frente a la escuela", createdAt: at, updatedAt: at }),
      sampleReport({ folio: "TOL-2026-900001", municipality: TOLUCA, category: "baches", description: "Bache en Toluca", createdAt: at, updatedAt: at }),
    ].map((r) => ({ ...r, location: null, dispatchPending: false, dispatched: 1 }));
    for (const r of rows) await bot.service.app.store.reports.insert(r);
    seeded.push(...rows);
    const address = bot.service.server.server.address() as { port: number };
    base = `http://${HOST}:${address.port}`;
    browser = await launchChromium(HOST);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
  });

  it("a member logs in with the password the command line printed (a wrong one is refused) and sees their municipality's inbox on a phone", async () => {
    const { context, page, errors } = await watched(PHONE);
    await page.goto(`${base}/panel/`);
    await page.getByLabel("ID de Telegram").fill("2001");
    await page.getByLabel("Contraseña").fill("not-the-password-at-all");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("no son correctos");
    await shot(page, "login");
    await logIn(page, "2001");
    await expect.poll(() => page.locator("table.inbox").textContent()).toContain("MET-2026-900001");
    expect(await page.locator("table.inbox").textContent()).not.toContain("TOL-2026-900001");
    expect(await page.locator(".counts").textContent()).toMatch(/Recibido\s*2/);
    expect(await overflows(page), await wide(page)).toBe(false);
    // Each report is a card on a phone: its category and municipality in sight, the table not scrolled sideways.
    expect(await page.locator(".table-wrap").evaluate((w) => w.scrollWidth <= w.clientWidth)).toBe(true);
    const place = page.locator("table.inbox tbody tr").first().locator("td", { hasText: "Metepec" });
    expect(await place.evaluate((td) => getComputedStyle(td, "::before").content)).toBe('"Municipio: "');
    const box = await place.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "panel_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/panel" });
    await shot(page, "inbox-phone");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a report moved on its page sends its notice to the citizen's open web chat, through the same triage as the Telegram card", async () => {
    const citizen = await watched(PHONE);
    const chat = citizen.page;
    const lastBot = () => chat.locator(".msg.bot").last();
    const waitForBot = async (text: string | RegExp) => {
      await expect.poll(async () => (await lastBot().textContent()) ?? "", { timeout: 10_000 }).toMatch(text);
      await expect.poll(() => chat.locator("#log").getAttribute("aria-busy")).toBe("false");
    };
    await chat.goto(`${base}/`);
    await waitForBot("¿Qué quieres hacer?");
    await chat.getByRole("button", { name: "Reportar un problema" }).click();
    await waitForBot("¿Aceptas el aviso de privacidad");
    await chat.getByRole("button", { name: "Sí", exact: true }).click();
    await waitForBot("Comparte tu ubicación");
    await chat.locator("#text").fill("Metepec");
    await chat.locator("#text").press("Enter");
    await waitForBot(/tipo de problema.*en Metepec/s);
    await chat.getByRole("button", { name: "Agua potable" }).click();
    await waitForBot("Describe el problema");
    await chat.locator("#text").fill("No sale agua de la llave en toda la calle desde el lunes");
    await chat.locator("#text").press("Enter");
    await waitForBot("envíala ahora");
    await chat.locator("#text").fill("omitir");
    await chat.locator("#text").press("Enter");
    await waitForBot("ubicación exacta");
    await lastBot().getByRole("button", { name: "Omitir" }).click();
    await waitForBot("¿Cómo quieres enviar tu reporte?");
    await chat.getByRole("button", { name: "Con seguimiento por este chat" }).click();
    await waitForBot("¿Lo enviamos?");
    await chat.getByRole("button", { name: "Enviar reporte" }).click();
    await waitForBot("¿Qué quieres hacer?");
    const folio = /folio (MET-\d{4}-\d{6})/.exec((await chat.locator(".msg.bot").allTextContents()).join("\n"))?.[1] ?? "";
    expect(folio).not.toBe("");

    const member = await watched();
    await logIn(member.page, "2001");
    await member.page.getByRole("link", { name: folio }).click();
    await member.page.waitForURL(`${base}/panel/reports/${folio}`);
    expect(await member.page.locator("h1").textContent()).toContain("Agua potable");
    expect(await member.page.locator(".description").textContent()).toContain("No sale agua");
    await expect.poll(() => member.page.locator("svg.map path.map-area").count()).toBe(1);
    await member.page.getByLabel("Nuevo estado").selectOption("en_revision");
    await member.page.getByLabel("Nota pública (la lee la ciudadanía)").fill("Lo revisa la Dirección de Agua");
    await member.page.getByRole("button", { name: "Cambiar estado" }).click();
    await expect.poll(() => member.page.getByRole("status").first().textContent()).toContain("Estado cambiado");
    expect(await member.page.locator(".facts").textContent()).toContain("En revisión");
    expect(await member.page.locator(".history").textContent()).toContain("Beatriz López");
    await shot(member.page, "report");

    await expect
      .poll(async () => (await chat.locator(".msg.bot").allTextContents()).join("\n"), { timeout: 10_000 })
      .toMatch(`Tu reporte ${folio} (Agua potable) cambió de estado: ahora está «En revisión»`);
    const stored = await bot.service.app.store.reports.byFolio(folio);
    expect(stored?.status).toBe("en_revision");
    const trail = await bot.service.app.store.events.list({ report: stored?.id }, 10);
    expect(trail.some((e) => e.type === "status_changed")).toBe(true);
    expect([...citizen.errors, ...member.errors]).toEqual([]);
    await citizen.context.close();
    await member.context.close();
  });

  it("a member of another municipality gets a 404 for a report, as for a folio that does not exist", async () => {
    const { context, page } = await watched();
    await logIn(page, "3001");
    const other = await page.goto(`${base}/panel/reports/MET-2026-900001`);
    expect(other?.status()).toBe(404);
    expect(await page.locator("main").textContent()).toContain("No encontramos esta página");
    const missing = await page.goto(`${base}/panel/reports/MET-2026-999999`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator("main").textContent()).toBe(await page.locator("main").textContent());
    const own = await page.goto(`${base}/panel/reports/TOL-2026-900001`);
    expect(own?.status()).toBe(200);
    const elsewhere = await page.goto(`${base}/panel/?municipality=${METEPEC}`);
    expect(elsewhere?.status()).toBe(404);
    await context.close();
  });

  it("a form posted without its CSRF token gets a 403 and changes nothing; with it, the note is kept", async () => {
    const { context, page } = await watched();
    await logIn(page, "2001");
    await page.goto(`${base}/panel/reports/MET-2026-900002`);
    const report = seeded[1];
    // Posted from the panel's own page, with the member's cookies: only the token is missing, or wrong.
    const post = (fields: Record<string, string>) =>
      page.evaluate(async ([url, body]) => (await fetch(url, { method: "POST", body: new URLSearchParams(body), redirect: "manual" })).status, [
        `/panel/reports/${report.folio}/note`,
        fields,
      ] as const);
    expect(await post({ version: String(report.version), text: "sin token" })).toBe(403);
    expect(await post({ version: String(report.version), text: "token falso", _csrf: "forged" })).toBe(403);
    expect((await bot.service.app.store.reports.byId(report.id))?.notes).toEqual([]);
    await page.getByLabel("Nota interna (solo el Secretariado)").fill("Llamar a la delegación");
    await page.getByRole("button", { name: "Guardar nota" }).click();
    await expect.poll(() => page.locator(".notes").textContent()).toContain("Llamar a la delegación");
    expect((await bot.service.app.store.reports.byId(report.id))?.notes.map((n) => n.text)).toEqual(["Llamar a la delegación"]);
    await context.close();
  });

  it("the statistics page draws its charts and the choropleth of the 125 municipalities with no console error", async () => {
    const { context, page, errors } = await watched();
    await logIn(page, "2001");
    await page.getByRole("link", { name: "Estadísticas" }).click();
    await page.waitForURL(`${base}/panel/statistics`);
    await expect.poll(() => page.locator('canvas[data-drawn="true"]').count(), { timeout: 10_000 }).toBe(4);
    expect(await page.locator("svg.choropleth path").count()).toBe(125);
    expect(await page.locator(`svg.choropleth path[data-key="${METEPEC}"]`).getAttribute("class")).not.toBe("shade-0");
    expect(await page.locator(`svg.choropleth path[data-key="${TOLUCA}"]`).getAttribute("class")).toBe("shade-0");
    // A drawn chart has coloured pixels.
    const painted = await page.evaluate(() => {
      const canvas = document.getElementById("chart-status") as HTMLCanvasElement;
      const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(100);
    expect(await page.locator("#kpi-total").textContent()).toBe("3");
    await shot(page, "statistics");
    await page.goto(`${base}/panel/plan`);
    await shot(page, "plan");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a report of one very long word stays within the page, on a desktop and on a phone; after logging out the tab keeps nothing of the inbox", async () => {
    // One word as long as a description may be, in the description and in the address.
    const at = bot.clock.now();
    const long = sampleReport({
      folio: "MET-2026-900003",
      category: "otro",
      description: "A".repeat(990),
      address: `Calle ${"B".repeat(190)}`,
      createdAt: at,
      updatedAt: at,
    });
    await bot.service.app.store.reports.insert({ ...long, location: null, dispatchPending: false, dispatched: 1 });
    for (const viewport of [DESKTOP, PHONE]) {
      const { context, page, errors } = await watched(viewport);
      await logIn(page, "2001");
      await page.goto(`${base}/panel/reports/MET-2026-900003`);
      await expect.poll(() => page.locator(".description").textContent()).toContain("AAAA");
      expect(await overflows(page), await wide(page)).toBe(false);
      await shot(page, `long-word-${viewport.width}`);
      // Searched twice in the inbox (htmx keeps a copy of the page it leaves, unless told not to).
      await page.goto(`${base}/panel/`);
      for (const q of ["farola", "luminaria"]) {
        await page.locator("#f-q").fill(q);
        await page.locator("#f-q").press("Enter");
        await page.waitForURL(new RegExp(`q=${q}`));
        await expect.poll(() => page.locator("table.inbox tbody tr").count()).toBe(1);
      }
      await page.getByRole("button", { name: /Salir/ }).click();
      await page.waitForURL(/\/panel\/login/);
      expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toMatch(/MET-2026|Farola/);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it("the inbox works with the keyboard alone: search, open a report, come back, tick one and move it", async () => {
    const { context, page, errors } = await watched();
    await logIn(page, "2001");
    const focused = () =>
      page.evaluate(() => (document.activeElement as HTMLElement | null)?.id || (document.activeElement as HTMLAnchorElement | null)?.textContent || "");
    async function tabTo(match: (f: string) => boolean, limit = 60): Promise<void> {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press("Tab");
        if (match(await focused())) return;
      }
      throw new Error("never reached by Tab");
    }
    await tabTo((f) => f === "f-q");
    await page.keyboard.type("farola");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("table.inbox tbody tr").count()).toBe(1);
    expect(page.url()).toContain("q=farola");
    await tabTo((f) => f === "MET-2026-900001");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${base}/panel/reports/MET-2026-900001`);
    await page.goBack();
    await page.waitForURL(/q=farola/);
    await page.locator("body").focus();
    await tabTo((f) => f.startsWith("sel-"));
    await page.keyboard.press("Space");
    await tabTo((f) => f === "b-move");
    await page.keyboard.press("Enter");
    await tabTo((f) => /Aplicar a los seleccionados/.test(f));
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("1 reportes cambiaron");
    expect((await bot.service.app.store.reports.byFolio("MET-2026-900001"))?.status).toBe("en_revision");
    await page.goto(`${base}/panel/`);
    // Choosing in the bulk form's lists keeps what is ticked: only the filters' lists reload the results.
    const reloads: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/panel/") reloads.push(r.url());
    });
    await page.locator('input[id^="sel-"]').first().check();
    await page.selectOption("#b-move", { index: 1 });
    await page.selectOption("#b-move", { index: 0 });
    await page.selectOption("#f-sort", "oldest");
    await expect.poll(() => reloads.length).toBe(1);
    expect(reloads[0]).toContain("sort=oldest");
    await shot(page, "inbox");
    expect(errors).toEqual([]);
    await context.close();
  });
});
