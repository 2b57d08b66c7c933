/** A card's text and buttons, built apart from Telegram: within Telegram's limits, and its buttons' data within 64 bytes and unforgeable into something else. */
import { describe, expect, it } from "vitest";
import { Lifecycle } from "../src/domain/statuses.js";
import { loadTexts } from "../src/locale/texts.js";
import { CAPTION_LIMIT, type CardContext, cardView, TEXT_LIMIT } from "../src/secretariat/card-view.js";
import { fromToken, pressData, readPress, token } from "../src/secretariat/presses.js";
import { deployment } from "./helpers/deployment.js";
import { sampleReport } from "./helpers/reports.js";

const texts = await loadTexts("locales", deployment);
const lifecycle = Lifecycle.load("config/statuses.yaml", texts.missingKey);

function context(over: Partial<CardContext> = {}): CardContext {
  return {
    texts,
    lang: "es-MX",
    lifecycle,
    municipalityName: () => "Metepec",
    areaName: () => "Dirección de Obras Públicas",
    who: (by) => (by === "m1" ? "Beatriz López" : by),
    now: new Date(),
    ...over,
  };
}

describe("card buttons", () => {
  it("carry the folio, the version seen and the status or office, within Telegram's 64 bytes even for the longest ids", () => {
    const long = `a${"b".repeat(39)}`;
    const presses = [
      { kind: "status" as const, folio: "MET-2026-123456789", version: 123456789, token: token(long) },
      { kind: "office" as const, folio: "MET-2026-123456789", version: 123456789, token: token(long) },
      { kind: "answer" as const, folio: "MET-2026-000001", version: 3 },
      { kind: "close_handoff" as const, handoff: "3f2a9c10-0000-4000-8000-000000000000" },
    ];
    for (const press of presses) {
      expect(Buffer.byteLength(pressData(press))).toBeLessThanOrEqual(64);
      expect(readPress(pressData(press))).toEqual(press);
    }
    expect(fromToken(["en_revision", long], token(long))).toBe(long);
    expect(pressData({ kind: "status", folio: "MET-2026-000001", version: 2, token: token("en_revision") })).toBe("s|MET-2026-000001|2|en_revision");
  });

  it.each([
    "",
    "s|MET-2026-000001|2",
    "x|MET-2026-000001|2",
    "s|met-2026-1|2|resuelto",
    "r|MET-2026-000001|-1",
    "r|MET-2026-000001|2|extra",
    "h|not-an-id",
    "report",
  ])("reads %j as nothing", (data) => {
    expect(readPress(data)).toBeUndefined();
  });
});

describe("card text", () => {
  it("a long description and a long history fit a photo's caption; the folio, the status and the buttons stay", () => {
    const at = new Date();
    const history = Array.from({ length: 12 }, (_, i) => ({
      status: i % 2 ? "en_revision" : "canalizado",
      at,
      by: "m1",
      note: "Una nota pública bastante larga para ocupar espacio en la tarjeta ".repeat(3),
      kind: "status" as const,
      area: null,
      version: i + 2,
    }));
    const report = sampleReport({ description: "D".repeat(1000), history: [...sampleReport().history, ...history], status: "en_revision", version: 14 });
    const caption = cardView(report, context(), { limit: CAPTION_LIMIT });
    expect(caption.text.length).toBeLessThanOrEqual(CAPTION_LIMIT);
    expect(caption.text).toContain(`🗂 ${report.folio} · Baches y calles`);
    expect(caption.text).toContain("📌 Estado: En revisión");
    expect(caption.text).toContain("✍️ Último cambio: Beatriz López");
    expect(caption.keyboard?.inline_keyboard.flat().map((b) => b.text)).toContain("💬 Responder");
    const text = cardView(report, context(), { limit: TEXT_LIMIT });
    expect(text.text).toContain("D".repeat(1000));
  });

  it("an anonymous report names no one, whatever the record holds; a report with follow-up names its chat", () => {
    const anonymous = cardView(sampleReport({ anonymous: true, citizenId: "whatsapp:5215512345678@c.us", channel: "whatsapp" }), context(), {
      limit: TEXT_LIMIT,
    });
    expect(anonymous.text).toContain("👤 Anónimo");
    expect(anonymous.text).not.toContain("5215512345678");
    const known = cardView(sampleReport({ citizenId: "whatsapp:5215512345678@c.us", channel: "whatsapp" }), context(), { limit: TEXT_LIMIT });
    expect(known.text).toContain("👤 WhatsApp +5215512345678 (con seguimiento)");
    const web = cardView(sampleReport({ citizenId: "web:0f3c", channel: "web" }), context({ lang: "en" }), { limit: TEXT_LIMIT });
    expect(web.text).toContain("👤 Identified on web chat (follow-up)");
    expect(web.text).not.toContain("0f3c");
  });

  it("a closed report offers only the moves its status allows, and a replaced card none", () => {
    const resolved = cardView(sampleReport({ status: "resuelto" }), context(), { limit: TEXT_LIMIT });
    expect(resolved.keyboard?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      "🛠 En atención",
      "🔎 En revisión",
      "💬 Responder",
      "🔒 Nota interna",
      "🌐 Publicar texto",
    ]);
    const replaced = cardView(sampleReport({ status: "resuelto" }), context(), { limit: TEXT_LIMIT, buttons: { kind: "none" }, superseded: "reopened" });
    expect(replaced.keyboard).toBeUndefined();
    expect(replaced.text).toContain("♻️ Reabierto: sigue en su tarjeta nueva.");
  });
});
