/**
 * Photos: only whole JPEG, PNG or WebP images are kept, without their metadata (GPS!), and only
 * when the question asks for one; photos of reports never sent are deleted. Fixtures in
 * fixtures/photos/ were made with ImageMagick and exiftool: a 64×48 picture with GPS, camera,
 * author, comment, XMP and IPTC, rotated 90° by its EXIF orientation.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InboundContent } from "../src/conversation/messages.js";
import { cleanImage } from "../src/domain/images/index.js";
import { readOrientation } from "../src/domain/images/orientation.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { ConversationRecord } from "../src/store/ports.js";
import { startBot, type TestBot, tempDir } from "./helpers/app.js";
import { faulty } from "./helpers/faulty-store.js";

const DIR = join(import.meta.dirname, "fixtures", "photos");
const FILES = ["photo.jpg", "progressive.jpg", "photo.webp", "lossless.webp", "photo.png"] as const;
/** What the fixtures hold besides pixels; none of it may survive. */
const METADATA = ["SecretPhone", "Ana Secreta", "comentario secreto", "Modelo Secreto", "GPS", "xmpmeta", "Photoshop", "2026:03:01"];

const fixtures = new Map<string, Buffer>();
beforeAll(async () => {
  for (const f of FILES) fixtures.set(f, await readFile(join(DIR, f)));
});

function fixture(name: (typeof FILES)[number]): Buffer {
  return fixtures.get(name) as Buffer;
}

/** The JPEG's entropy-coded data and tables: everything from the first DQT to EOI. */
function jpegPixels(b: Buffer): Buffer {
  return b.subarray(b.indexOf(Buffer.from([0xff, 0xdb])));
}

describe("cleaning a photo", () => {
  it.each(FILES)("%s keeps its pixels and dimensions and loses every piece of metadata", (name) => {
    const original = fixture(name);
    expect(METADATA.some((m) => original.includes(m)) || name === "lossless.webp").toBe(true);
    const image = cleanImage(original);
    expect(image).toBeDefined();
    if (!image) return;
    expect([image.width, image.height]).toEqual([64, 48]);
    for (const m of METADATA) expect(image.data.includes(m), `${name} still holds ${m}`).toBe(false);
    // Cleaning again changes nothing: what was kept is a whole image of its own.
    expect(cleanImage(image.data)?.data.equals(image.data)).toBe(true);
  });

  it("JPEG: tables and scans are copied byte for byte, and the orientation is all that is left of EXIF", () => {
    const original = fixture("photo.jpg");
    const image = cleanImage(original);
    if (!image) throw new Error("refused");
    expect(image.mimeType).toBe("image/jpeg");
    expect(original.includes(jpegPixels(image.data))).toBe(true);
    const exif = image.data.indexOf("Exif\0\0", 0, "latin1");
    expect(exif).toBeGreaterThan(0);
    expect(readOrientation(image.data.subarray(exif + 6))).toBe(6);
    // Only SOI, the orientation, then what decoding needs.
    expect(image.data.length).toBeLessThan(original.length / 4);
    const progressive = cleanImage(fixture("progressive.jpg"));
    expect(progressive && fixture("progressive.jpg").includes(jpegPixels(progressive.data))).toBe(true);
    expect(progressive?.data.includes("Exif")).toBe(false);
  });

  it("JPEG and PNG: a colour profile (whose text may name a device or a person) goes, and Adobe's segment keeps its 12 bytes only", () => {
    const original = fixture("photo.jpg");
    const app = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
    const icc = app(0xe2, Buffer.concat([Buffer.from("ICC_PROFILE\0\x01\x01", "latin1"), Buffer.from("desc: Galaxy S21 of Juan Perez SN 12345")]));
    const adobe = app(0xee, Buffer.concat([Buffer.from("Adobe\0\x64\0\0\0\0\x01", "latin1"), Buffer.from("SECRET-AFTER-ADOBE")]));
    const image = cleanImage(Buffer.concat([original.subarray(0, 2), icc, adobe, original.subarray(2)]));
    if (!image) throw new Error("refused");
    for (const secret of ["Juan Perez", "ICC_PROFILE", "SECRET-AFTER-ADOBE"]) expect(image.data.includes(secret), secret).toBe(false);
    const kept = image.data.indexOf("Adobe", 0, "latin1");
    expect(kept).toBeGreaterThan(0);
    expect(image.data.readUInt16BE(kept - 2)).toBe(2 + 12);

    const png = fixture("photo.png");
    const body = Buffer.concat([Buffer.from("Juan Perez profile\0\0", "latin1"), Buffer.from("not really compressed")]);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write("iCCP", 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    const withProfile = Buffer.concat([png.subarray(0, 33), head, body, crc, png.subarray(33)]);
    const cleaned = cleanImage(withProfile);
    expect(cleaned?.mimeType).toBe("image/png");
    expect(cleaned?.data.includes("Juan Perez")).toBe(false);
    expect(cleaned?.data.includes("iCCP")).toBe(false);
  });

  it("PNG and WebP: the image chunks are copied as they were", () => {
    const png = cleanImage(fixture("photo.png"));
    expect(png?.mimeType).toBe("image/png");
    const idat = fixture("photo.png").indexOf("IDAT") - 4;
    const length = fixture("photo.png").readUInt32BE(idat);
    expect(png?.data.includes(fixture("photo.png").subarray(idat, idat + 12 + length))).toBe(true);
    for (const chunk of ["tEXt", "iTXt", "zTXt", "eXIf", "tIME"]) expect(png?.data.includes(chunk)).toBe(false);

    const webp = cleanImage(fixture("photo.webp"));
    expect(webp?.mimeType).toBe("image/webp");
    const vp8 = fixture("photo.webp").indexOf("VP8 ");
    const vp8Length = fixture("photo.webp").readUInt32LE(vp8 + 4);
    expect(webp?.data.includes(fixture("photo.webp").subarray(vp8, vp8 + 8 + vp8Length))).toBe(true);
    expect(webp?.data.readUInt32LE(4)).toBe((webp?.data.length ?? 0) - 8);
    expect(webp?.data.includes("XMP ")).toBe(false);
    expect(cleanImage(fixture("lossless.webp"))?.data.equals(fixture("lossless.webp"))).toBe(true);
  });

  it("refuses what is not a whole image: cut, corrupted, disguised, absurdly large", async () => {
    const jpeg = fixture("photo.jpg");
    for (const name of FILES) {
      const b = fixture(name);
      for (let cut = 0.1; cut < 1; cut += 0.1) expect(cleanImage(b.subarray(0, Math.floor(b.length * cut))), `${name} cut at ${cut}`).toBeUndefined();
    }
    expect(cleanImage(await readFile(join(import.meta.dirname, "fixtures", "not-an-image.txt")))).toBeUndefined();
    expect(cleanImage(Buffer.concat([jpeg.subarray(0, 3), Buffer.alloc(5000, 0x41)]))).toBeUndefined();
    expect(cleanImage(Buffer.from("RIFF\xff\xff\x00\x00WEBPVP8 ", "latin1"))).toBeUndefined();
    const png = Buffer.from(fixture("photo.png"));
    png[png.indexOf("IDAT") + 10] ^= 0xff;
    expect(cleanImage(png)).toBeUndefined();
    const huge = Buffer.from(jpeg);
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    huge.writeUInt16BE(60_000, sof + 5);
    huge.writeUInt16BE(60_000, sof + 7);
    expect(cleanImage(huge)).toBeUndefined();
    // Whatever follows the image (a second picture, a vendor trailer) is not kept.
    const trailed = cleanImage(Buffer.concat([jpeg, Buffer.from("trailer with secreto GPS")]));
    expect(trailed?.data.includes("secreto")).toBe(false);
  });

  it("never throws, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (name, flips, cut) => {
        const b = Buffer.from(fixture(name));
        for (const [at, value] of flips) b[at % b.length] = value;
        const image = cleanImage(b.subarray(0, b.length - (cut % 16)));
        if (image) expect(image.width * image.height).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });
});

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

/** Every file under DATA_DIR/media. */
async function mediaFiles(dataDir: string): Promise<string[]> {
  try {
    return await readdir(join(dataDir, "media"), { recursive: true });
  } catch {
    return [];
  }
}

/** A citizen on the web chat (or, with `replies`, on Telegram, whose replies may come later: they collect there). */
function chat(b: TestBot, chatId: string, replies?: string[]) {
  let n = 0;
  const channel = replies ? "telegram" : "web";
  return async (content: InboundContent | string, languageHint?: string): Promise<string> => {
    const now: string[] = [];
    const message = typeof content === "string" ? { type: "text" as const, text: content } : content;
    await b.app.conversations.handle({ channel, chatId, messageId: `${chatId}-${n++}`, content: message, languageHint }, async (_c, m) => {
      now.push(m.text);
      replies?.push(m.text);
    });
    return now.join("\n");
  };
}

const photo = (name: (typeof FILES)[number]): InboundContent => ({ type: "photo", data: fixture(name) });

/** From "hola" to the photo question of a report (a pothole in Metepec already reported is another problem). */
async function toPhotoQuestion(say: ReturnType<typeof chat>): Promise<void> {
  for (const line of ["hola", "1", "sí", "Metepec", "2"]) if ((await say(line)).includes("el mismo problema")) await say("Es otro problema");
  expect(await say("Hay un bache enorme frente a la escuela primaria")).toContain("envíala ahora");
}

describe("the sweep of draft photos", () => {
  it("reads past the drafts still held: 500 older ones in reports being written never hide one no conversation holds", async () => {
    bot = await startBot();
    const t0 = bot.clock.now();
    const data = fixture("photo.png");
    for (let i = 0; i < 501; i++) {
      const id = `held-${String(i).padStart(4, "0")}-photo`;
      await bot.app.store.media.put(id, { data, mimeType: "image/png" }, { owner: `web:c${i}`, at: new Date(t0.getTime() - 1000) });
      const state = { flow: "report", flowVersion: "v", step: "location", waiting: "answer", vars: { photo: id }, attempts: 0, lang: "es-MX" };
      await bot.app.store.conversations.save({ id: `web:c${i}`, state, pending: [], updatedAt: t0 });
    }
    await bot.app.store.media.put("left-behind-photo", { data, mimeType: "image/png" }, { owner: "web:gone", at: t0 });
    bot.clock.advance(2 * 60_000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(1);
    expect(await bot.app.store.media.get("left-behind-photo")).toBeNull();
    expect(await bot.app.store.media.get("held-0500-photo")).not.toBeNull();
  });
});

describe("a report set aside", () => {
  it("keeps its photo and is offered back, also when the step it went to fails", async () => {
    const dataDir = await tempDir();
    const store = faulty(await openEmbeddedStore(dataDir));
    bot = await startBot({ dataDir, app: { store } });
    const say = chat(bot, "aside");
    await toPhotoQuestion(say);
    await say(photo("photo.jpg"));
    const stored = await mediaFiles(bot.dataDir);
    expect(stored).toHaveLength(1);
    expect(await say("cómo va mi reporte")).toContain("¿Lo dejamos para después?");
    // The list of one's reports fails (a bug): the menu, the report still kept.
    store.fail("reports", "byCitizen", { when: "before", error: () => new TypeError("a bug") });
    expect(await say("sí")).toContain("problema técnico");
    expect(await say("1")).toContain("Tienes un reporte sin terminar");
    expect(await mediaFiles(bot.dataDir)).toEqual(stored);
  });
});

describe("photos in a conversation", () => {
  it("a photo before the privacy notice is accepted is not stored, and the citizen is told when to send it, in their language", async () => {
    bot = await startBot();
    // New sessions that only send photos (the attack: 147 MB of orphans in 1.6 s): each opens a report, nothing stored.
    for (let i = 0; i < 30; i++) {
      const reply = await chat(bot, `flood-${i}`)(photo("photo.jpg"), i % 2 ? "en" : "es");
      expect(reply).toContain(i % 2 ? "I have not kept your photo yet" : "Todavía no guardé tu foto");
      expect(reply).toContain(i % 2 ? "privacy notice" : "aviso de privacidad");
    }
    expect(await mediaFiles(bot.dataDir)).toEqual([]);
    // Where no question further on asks for one (following the plan), it is not needed.
    const learn = chat(bot, "learner");
    await learn("hola");
    await learn("3");
    expect(await learn(photo("photo.png"))).toContain("no necesito una foto");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);
  });

  it("a photo sent before its question, once the notice is accepted, is kept (the newest one) and is the report's photo", async () => {
    bot = await startBot();
    const say = chat(bot, "early");
    await say("hola");
    await say("1");
    expect(await say(photo("photo.png"))).toContain("Todavía no guardé tu foto");
    expect(await say("sí")).toContain("municipio");
    // From here on, kept: one at a time, a newer one in the place of the one before.
    expect(await say(photo("photo.png"))).toContain("Guardé tu foto para tu reporte");
    expect(await mediaFiles(bot.dataDir)).toHaveLength(1);
    await say("Metepec");
    expect(await say(photo("photo.jpg"))).toContain("Guardé tu foto para tu reporte");
    expect(await mediaFiles(bot.dataDir)).toHaveLength(1);
    await say("2");
    // At its question, the photo kept is the answer: the question is not asked.
    const described = await say("Hay un bache enorme frente a la escuela primaria");
    expect(described).toContain("Agregué la foto que enviaste");
    expect(described).not.toContain("envíala ahora");
    expect(described).toContain("ubicación exacta");
    await say("omitir");
    await say("1");
    const done = await say("1");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    const report = await bot.app.store.reports.byFolio(folio);
    expect(report?.photos).toHaveLength(1);
    expect((await bot.app.store.media.get(report?.photos[0] as string))?.mimeType).toBe("image/jpeg");
    expect(await mediaFiles(bot.dataDir)).toHaveLength(1);
  });

  it("a photo kept early goes when the report is given up", async () => {
    bot = await startBot();
    const say = chat(bot, "given-up");
    for (const line of ["hola", "1", "sí"]) await say(line);
    expect(await say(photo("photo.png"))).toContain("Guardé tu foto");
    expect(await mediaFiles(bot.dataDir)).toHaveLength(1);
    expect(await say("cancelar")).toContain("No se guardó nada");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);
    // Further on, with a draft to lose: asked first, and gone with it.
    for (const line of ["1", "Metepec"]) await say(line);
    expect(await say(photo("photo.png"))).toContain("Guardé tu foto");
    expect(await say("cancelar")).toContain("¿Quieres descartarlo?");
    await say("sí");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);
  });

  it("at the photo question, the photo is stored without metadata; a file that is no image is refused in the citizen's language", async () => {
    bot = await startBot();
    const say = chat(bot, "sender");
    await toPhotoQuestion(say);
    expect(await say({ type: "photo", data: Buffer.from("not an image at all, just text") })).toContain("Eso no parece una foto");
    expect(await say({ type: "photo", data: fixture("photo.jpg").subarray(0, 2000) })).toContain("Eso no parece una foto");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);
    expect(await say(photo("photo.jpg"))).toContain("ubicación exacta");
    await say("omitir");
    await say("1");
    const done = await say("1");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    const report = await bot.app.store.reports.byFolio(folio);
    const stored = await bot.app.store.media.get(report?.photos[0] as string);
    expect(stored?.mimeType).toBe("image/jpeg");
    expect(stored?.data.equals(cleanImage(fixture("photo.jpg"))?.data as Buffer)).toBe(true);
    // Kept for good: not a draft, and a sweep much later leaves it.
    bot.clock.advance(24 * 60 * 60 * 1000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(0);
    expect(await bot.app.store.media.get(report?.photos[0] as string)).not.toBeNull();

    const john = chat(bot, "john");
    for (const line of ["hello", "1", "yes", "Metepec", "2"]) await john(line, "en");
    // Ana's pothole is offered to follow instead: John's is another one.
    await john("It is another problem", "en");
    await john("There is a huge pothole in front of the school", "en");
    expect(await john({ type: "photo", data: Buffer.from("GIF89a not what we take") }, "en")).toContain("That does not look like a photo");
  });

  it("a photo changed at the summary replaces the first, which is deleted; one taken out there is not filed", async () => {
    bot = await startBot();
    const say = chat(bot, "changer");
    await toPhotoQuestion(say);
    await say(photo("photo.jpg"));
    await say("omitir");
    expect(await say("1")).toContain("Foto: incluida");
    const [first] = await mediaFiles(bot.dataDir);
    expect(await say("Cambiar la foto")).toContain("¿Qué hacemos con la foto?");
    expect(await say("Enviar otra")).toContain("envíala ahora");
    expect(await say(photo("photo.png"))).toContain("Foto: incluida");
    const files = await mediaFiles(bot.dataDir);
    expect(files).toHaveLength(1);
    expect(files).not.toContain(first);
    const done = await say("Enviar reporte");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    const report = await bot.app.store.reports.byFolio(folio);
    expect(report?.photos).toEqual(files);
    expect((await bot.app.store.media.get(files[0]))?.mimeType).toBe("image/png");

    const other = chat(bot, "taker");
    await toPhotoQuestion(other);
    await other(photo("photo.jpg"));
    await other("omitir");
    await other("1");
    expect(await other("Cambiar la foto")).toContain("¿Qué hacemos con la foto?");
    expect(await other("Quitarla")).toContain("Foto: sin incluir");
    const sent = await other("Enviar reporte");
    const second = await bot.app.store.reports.byFolio(/folio ([A-Z]{3}-\d{4}-\d{6})/.exec(sent)?.[1] as string);
    expect(second?.photos).toEqual([]);
    expect(await mediaFiles(bot.dataDir)).toEqual(files);
  });

  it("a photo that cannot be written (a full disk) waits with its message, the citizen told once, the store not ready meanwhile, and is kept when the disk is back", async () => {
    bot = await startBot({ app: { retryMs: 50 } });
    const replies: string[] = [];
    const say = chat(bot, "7002", replies);
    await toPhotoQuestion(say);
    // The media folder cannot be made: where it goes, a file is in the way.
    await rm(join(bot.dataDir, "media"), { recursive: true, force: true });
    await writeFile(join(bot.dataDir, "media"), "");
    const before = replies.length;
    await say(photo("photo.jpg"));
    expect(replies.slice(before)).toEqual([expect.stringContaining("Estamos teniendo problemas técnicos")]);
    expect(bot.app.conversations.waiting).toBe(1);
    // What /readyz and /healthz ask: the store names the folder it cannot write to.
    await expect(bot.app.store.ping()).rejects.toThrow(join(bot.dataDir, "media"));

    await rm(join(bot.dataDir, "media"));
    await expect.poll(() => bot?.app.conversations.waiting, { timeout: 10_000 }).toBe(0);
    expect(replies.at(-1)).toContain("ubicación exacta");
    expect(await mediaFiles(bot.dataDir)).toHaveLength(1);
    await expect(bot.app.store.ping()).resolves.toBeUndefined();
  });

  it("the photo of a report discarded, cancelled, declined when offered back or silent for days is deleted", async () => {
    bot = await startBot();
    const discard = chat(bot, "discards");
    await toPhotoQuestion(discard);
    await discard(photo("photo.webp"));
    expect((await mediaFiles(bot.dataDir)).length).toBeGreaterThan(0);
    await discard("omitir");
    await discard("1");
    expect(await discard("8")).toContain("Descartamos el reporte");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);

    const cancel = chat(bot, "cancels");
    await toPhotoQuestion(cancel);
    await cancel(photo("photo.png"));
    // Leaving asks first; the photo stays until the draft is given up.
    expect(await cancel("cancelar")).toContain("¿Quieres descartarlo?");
    expect((await mediaFiles(bot.dataDir)).length).toBeGreaterThan(0);
    await cancel("sí");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);

    const idle = chat(bot, "leaves");
    await toPhotoQuestion(idle);
    await idle(photo("photo.jpg"));
    const stored = await mediaFiles(bot.dataDir);
    expect(stored.length).toBeGreaterThan(0);
    // Silent past the conversation's timeout: the unfinished report (and its photo) is offered back.
    bot.clock.advance(bot.config.CONVERSATION_TIMEOUT_MINUTES * 60 * 1000 + 60_000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(0);
    expect(await mediaFiles(bot.dataDir)).toEqual(stored);
    expect(await idle("hola")).toContain("Pasó un buen rato sin mensajes");
    // Declined: the photo goes with the draft.
    await idle("no");
    expect(await mediaFiles(bot.dataDir)).toEqual([]);

    // Taken up again: sent with its photo.
    const back = chat(bot, "comes-back");
    await toPhotoQuestion(back);
    await back(photo("photo.jpg"));
    bot.clock.advance(bot.config.CONVERSATION_TIMEOUT_MINUTES * 60 * 1000 + 60_000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(0);
    expect(await back("hola")).toContain("¿Quieres continuarlo donde lo dejaste?");
    await back("sí");
    await back("omitir");
    await back("1");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(await back("1"))?.[1] as string;
    const report = await bot.app.store.reports.byFolio(folio);
    expect(report?.photos).toHaveLength(1);
    expect(await bot.app.store.media.get(report?.photos[0] as string)).not.toBeNull();
    expect(await bot.app.store.media.drafts(new Date(bot.clock.now().getTime() + 1), 10)).toEqual([]);
    const kept = report?.photos[0] as string;

    const gone = chat(bot, "never-comes-back");
    await toPhotoQuestion(gone);
    await gone(photo("photo.png"));
    bot.clock.advance(6 * 24 * 60 * 60 * 1000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(0);
    // Silent longer than DRAFT_PHOTO_DAYS: deleted without waiting for the citizen.
    bot.clock.advance(bot.config.DRAFT_PHOTO_DAYS * 24 * 60 * 60 * 1000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(1);
    // Only the photo of the report that was sent is left: one file (its bytes say it is a PNG).
    expect(await mediaFiles(bot.dataDir)).toEqual([kept]);
    // Back after all: the report is offered, and says it has no photo any more; sent without one.
    expect(await gone("hola")).toContain("¿Quieres continuarlo donde lo dejaste?");
    await gone("sí");
    await gone("omitir");
    const summary = await gone("1");
    expect(summary).toContain("Foto: sin incluir");
    const without = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(await gone("1"))?.[1] as string;
    expect((await bot.app.store.reports.byFolio(without))?.photos).toEqual([]);

    // Offered back, and the offer left unanswered for days: the report kept aside forgets its photo too.
    const aside = chat(bot, "offered-and-silent");
    await toPhotoQuestion(aside);
    await aside(photo("photo.jpg"));
    bot.clock.advance(bot.config.CONVERSATION_TIMEOUT_MINUTES * 60 * 1000 + 60_000);
    expect(await aside("hola")).toContain("¿Quieres continuarlo donde lo dejaste?");
    bot.clock.advance(bot.config.DRAFT_PHOTO_DAYS * 24 * 60 * 60 * 1000 + 60_000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(1);
    expect(await mediaFiles(bot.dataDir)).toEqual([kept]);
    // Its expiry said, the report is offered again from the menu; taken up, it has no photo.
    expect(await aside("sí")).toContain("Pasó un buen rato sin mensajes");
    expect(await aside("1")).toContain("Tienes un reporte sin terminar en Metepec");
    await aside("sí");
    await aside("omitir");
    expect(await aside("1")).toContain("Foto: sin incluir");

    // A photo kept before its question, the report set aside and silent for days: forgotten too, never «agregada».
    const early = chat(bot, "early-and-silent");
    for (const line of ["hola", "1", "sí", "Metepec", "2"]) if ((await early(line)).includes("el mismo problema")) await early("Es otro problema");
    expect(await early(photo("photo.png"))).toContain("Guardé tu foto");
    bot.clock.advance(bot.config.CONVERSATION_TIMEOUT_MINUTES * 60 * 1000 + 60_000);
    expect(await early("hola")).toContain("¿Quieres continuarlo donde lo dejaste?");
    bot.clock.advance(bot.config.DRAFT_PHOTO_DAYS * 24 * 60 * 60 * 1000 + 60_000);
    expect(await bot.app.conversations.sweepDrafts()).toBe(1);
    expect(await mediaFiles(bot.dataDir)).toEqual([kept]);
    await early("sí");
    await early("1");
    await early("sí");
    const described = await early("Hay un bache enorme frente a la escuela primaria");
    expect(described).not.toContain("Agregué la foto");
    expect(described).toContain("envíala ahora");
  });
});

describe("reports never sent are forgotten after DRAFT_DAYS of silence", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("a first message kept to be the description is forgotten too, even before a municipality or the consent", async () => {
    bot = await startBot({ env: { DRAFT_DAYS: "10" } });
    const first = chat(bot, "first");
    await first("quiero reportar un bache enorme frente a la casa de Juana Pérez, su teléfono es 7221234567");
    const kept = async () => JSON.stringify((await bot?.app.store.conversations.get("web:first"))?.state);
    expect(await kept()).toContain("Juana Pérez");
    bot.clock.advance(11 * DAY);
    expect(await bot.app.conversations.forgetOldDrafts()).toBe(1);
    expect(await kept()).not.toContain("Juana");
    expect(await first("hola")).toContain("se borró");
  });

  it("text, address and photo go; «mis datos» listed it until then; the citizen is told once when back; one who wrote meanwhile keeps theirs", async () => {
    bot = await startBot({ env: { DRAFT_DAYS: "10", DRAFT_PHOTO_DAYS: "30" } });
    const id = (chatId: string) => `web:${chatId}`;
    const said = async (chatId: string) => JSON.stringify((await bot?.app.store.conversations.get(id(chatId)))?.state);

    // Left at the photo question after sending one, having asked what is held about them.
    const left = chat(bot, "left");
    await toPhotoQuestion(left);
    await left(photo("photo.jpg"));
    const held = await left("mis datos");
    expect(held).toContain("Un reporte que empezaste y no has enviado");
    expect(held).toContain("10 días sin que escribas");
    expect(JSON.stringify((await bot.app.dataRights.held(id("left"))).conversation?.unsent)).toContain("bache enorme frente a la escuela");
    // Left in the middle of writing it, never set aside.
    const midway = chat(bot, "midway");
    await toPhotoQuestion(midway);
    // Offered back after a while, and answered only days later.
    const back = chat(bot, "back");
    await toPhotoQuestion(back);
    expect((await mediaFiles(bot.dataDir)).length).toBe(1);

    // Saved by 0.6.9 or earlier, without the mark: one holding a report, one not.
    const store = bot.app.store;
    const legacy = async (chatId: string, from: string) => {
      const { holdsDraft: _mark, ...record } = (await store.conversations.get(id(from))) as ConversationRecord;
      await store.conversations.save({ ...record, id: id(chatId) });
    };
    await legacy("old-draft", "midway");
    await chat(bot, "plain")("hola");
    await legacy("old-plain", "plain");

    bot.clock.advance(9 * DAY);
    expect(await bot.app.conversations.forgetOldDrafts()).toBe(0);
    expect((await bot.app.store.conversations.get(id("old-plain")))?.holdsDraft).toBeUndefined();
    expect(await back("hola")).toContain("¿Quieres continuarlo donde lo dejaste?");
    bot.clock.advance(2 * DAY);
    expect(await bot.app.conversations.forgetOldDrafts()).toBe(3);
    // The one saved before the mark and holding none was looked at once and marked, never read again.
    expect((await bot.app.store.conversations.get(id("old-plain")))?.holdsDraft).toBe(false);
    expect(await bot.app.conversations.forgetOldDrafts()).toBe(0);
    expect(await mediaFiles(bot.dataDir)).toEqual([]);
    for (const chatId of ["left", "midway", "old-draft"]) expect(await said(chatId)).not.toContain("bache enorme");
    expect(await said("back")).toContain("bache enorme");
    expect((await bot.app.dataRights.held(id("left"))).conversation?.unsent).toBeNull();

    const told = await left("hola");
    expect(told).toContain("El reporte que dejaste sin enviar se borró: pasaron 10 días");
    expect(told).not.toContain("¿Quieres continuarlo");
    // Said once: the menu after that offers nothing.
    expect(await left("menú")).not.toContain("se borró");
    expect(await left("1")).not.toContain("sin terminar");
    // Straight back to reporting: told, and the report starts anew.
    const again = await midway("quiero reportar un bache");
    expect(again).toContain("se borró");
    expect(again).not.toContain("¿Quieres continuarlo");
    // The one who wrote on day 9 still has theirs, offered again (the conversation timed out meanwhile).
    await back("sí");
    expect(await back("1")).toContain("Tienes un reporte sin terminar");
  });
});
