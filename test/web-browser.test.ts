/**
 * The web chat in a real browser (playwright-core driving the system Chromium): the page's own
 * script talking to the running bot. CI installs Chromium; on a machine without it the suite says
 * it was skipped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBot, runBot } from "./helpers/service.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) console.info(`web chat browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

let bot: RunningBot;
let browser: Browser;
let base: string;

describe.skipIf(!available && !process.env.CI)("web chat in Chromium", () => {
  beforeAll(async () => {
    bot = await runBot({});
    const address = bot.service.server.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
  });

  it("a citizen reports a problem with buttons, the browser's location and a photo, and gets a folio", async () => {
    const context = await browser.newContext({ locale: "es-MX", permissions: ["geolocation"], geolocation: { latitude: 19.2566, longitude: -99.6047 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const bot = page.locator(".msg.bot");
    await expect.poll(() => bot.last().textContent()).toContain("¿Qué quieres hacer?");

    await page.getByRole("button", { name: "Reportar un problema" }).click();
    await expect.poll(() => bot.last().textContent()).toContain("¿Aceptas el aviso de privacidad");
    // The menu's buttons are spent once one was pressed.
    expect(await page.getByRole("button", { name: "Conocer el Gobierno Abierto" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Sí", exact: true }).click();

    await page.getByRole("button", { name: "Compartir mi ubicación" }).click();
    await expect.poll(() => bot.last().textContent()).toMatch(/tipo de problema.*en Metepec/s);
    await page.getByRole("button", { name: "Alumbrado público" }).click();
    await expect.poll(() => bot.last().textContent()).toContain("Describe el problema");
    await page.locator("#text").fill("La luminaria de la esquina lleva dos semanas apagada");
    await page.locator("#text").press("Enter");
    await expect.poll(() => bot.last().textContent()).toContain("envíala ahora");
    await page.locator("#photo").setInputFiles(join(import.meta.dirname, "fixtures", "bache.png"));
    await expect.poll(() => bot.last().textContent()).toContain("¿Cómo quieres enviar tu reporte?");
    await page.getByRole("button", { name: "Con seguimiento por este chat" }).click();
    await expect.poll(() => bot.last().textContent()).toContain("Foto: incluida");
    await page.getByRole("button", { name: "Enviar reporte" }).click();
    await expect.poll(async () => (await bot.allTextContents()).join("\n")).toMatch(/folio MET-2026-\d{6}/);
    await context.close();
  }, 30_000);

  it("speaks English to an English browser, and resumes the conversation after a reload", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(await page.locator("#text").getAttribute("placeholder")).toBe("Type your message");
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain("What would you like to do?");
    await page.getByRole("button", { name: "Learn about open government" }).click();
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain("What would you like to learn about?");
    await page.reload();
    // The same session (kept by the browser) comes back to the menu, not to a new welcome.
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain("What would you like to do?");
    expect(await page.locator(".msg.bot").allTextContents()).not.toContainEqual(expect.stringContaining("Hello! I am Municipio Abierto"));
    await context.close();
  }, 30_000);
});
