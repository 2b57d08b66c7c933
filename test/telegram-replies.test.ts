/** How a reply looks on Telegram: button rows, long texts, values too long for callback_data. */
import { beforeAll, describe, expect, it } from "vitest";
import { splitText, toTelegram } from "../src/channels/telegram/replies.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { deployment } from "./helpers/deployment.js";

let texts: Texts;
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
});

describe("telegram replies", () => {
  it("puts short labels side by side and long ones on their own rows", () => {
    const rowsOf = (labels: string[]) => {
      const reply = toTelegram({ id: "1", lang: "es-MX", text: "¿Cuál?", choices: labels.map((label, i) => ({ value: String(i), label })) }, texts);
      return reply.keyboard?.kind === "inline" ? reply.keyboard.markup.inline_keyboard.map((r) => r.length) : [];
    };
    expect(rowsOf(["Sí", "No"])).toEqual([2]);
    expect(rowsOf(["Conocer el Gobierno Abierto", "Consultar mi reporte"])).toEqual([1, 1]);
    expect(rowsOf(["1", "2", "3", "4"])).toEqual([3, 1]);
  });

  it("sends a value too long for callback_data as its number", () => {
    const reply = toTelegram({ id: "3", lang: "es-MX", text: "Elige", choices: [{ value: "x".repeat(80), label: "Una" }] }, texts);
    expect(reply.keyboard?.kind === "inline" && reply.keyboard.markup.inline_keyboard[0][0]).toMatchObject({ callback_data: "#1" });
  });

  it("splits a long text at line breaks, each piece within Telegram's 4,096 characters", () => {
    const lines = Array.from({ length: 300 }, (_, i) => `• MET-2026-${String(i).padStart(6, "0")} — Alumbrado público: Recibido`);
    const pieces = splitText(lines.join("\n"));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length <= 4096)).toBe(true);
    expect(pieces.join("\n")).toBe(lines.join("\n"));
    expect(pieces[0].endsWith("Recibido")).toBe(true);
  });

  it("asks for a location with a reply-keyboard button, and for a photo with a hint", () => {
    const where = toTelegram({ id: "4", lang: "en", text: "Where?", request: "location", choices: [{ value: "_skip", label: "Skip" }] }, texts);
    expect(where.keyboard).toEqual({
      kind: "reply",
      markup: { keyboard: [[{ text: "📍 Send my location", request_location: true }], [{ text: "Skip" }]], resize_keyboard: true, one_time_keyboard: true },
    });
    const photo = toTelegram({ id: "5", lang: "en", text: "A photo?", request: "photo" }, texts);
    expect(photo.chunks).toEqual(["A photo?\n\n📎 Tap the paperclip to attach a photo."]);
  });
});
