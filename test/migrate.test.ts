/**
 * `npm run admin -- migrate --to mongo`: everything a real session left in the embedded store is
 * read and written as documents MongoDB's models accept. Against a real MongoDB (MONGODB_URI set)
 * the copy runs twice and the second run changes nothing.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import mongoose from "mongoose";
import { describe, expect, it } from "vitest";
import { type MigrationProgress, migrateToMongo } from "../src/admin/migrate.js";
import { openMongoStore } from "../src/store/mongo/index.js";
import { defineModels } from "../src/store/mongo/models.js";
import { MongoCitizens, MongoConversations } from "../src/store/mongo/repositories.js";
import { startBot } from "./helpers/app.js";

const FIXTURES = join(import.meta.dirname, "fixtures");

/** A citizen's whole report, with a photo and a location, left on disk. */
async function sessionOnDisk(): Promise<string> {
  const bot = await startBot();
  const ana = bot.citizen("ana");
  for (const line of [
    "hola",
    "1",
    "sí",
    "/location 19.2566 -99.6047",
    "Alumbrado público",
    "La luminaria de la esquina lleva dos semanas apagada",
    `/photo ${FIXTURES}/bache.png`,
    "1",
    "Enviar reporte",
  ]) {
    await ana.receive(line);
  }
  await bot.close();
  return bot.dataDir;
}

const quiet: MigrationProgress = { start() {}, tick() {}, finish() {} };

describe("migrate to MongoDB", () => {
  it("reads every collection and writes documents the MongoDB models accept", async () => {
    const dataDir = await sessionOnDisk();
    const models = defineModels(mongoose.createConnection());
    const writes: { model: string; doc: Record<string, unknown> }[] = [];
    const recorder = (model: string) => ({
      replaceOne: async (_filter: unknown, doc: Record<string, unknown>) => void writes.push({ model, doc }),
      updateOne: async (filter: { _id: string }, update: { $max: { seq: number } }) =>
        void writes.push({ model, doc: { _id: filter._id, seq: update.$max.seq } }),
    });
    const media: { id: string; mimeType: string; bytes: number }[] = [];
    const mongo = {
      models: { reports: recorder("reports"), inbound: recorder("inbound"), counters: recorder("counters") },
      citizens: new MongoCitizens(recorder("citizens") as never),
      conversations: new MongoConversations(recorder("conversations") as never),
      media: { put: async (id: string, m: { data: Buffer; mimeType: string }) => void media.push({ id, mimeType: m.mimeType, bytes: m.data.length }) },
    };
    const counts = await migrateToMongo(dataDir, mongo as never, quiet);
    expect(counts).toEqual({ citizens: 1, conversations: 1, reports: 1, inbound: 9, counters: 1, media: 1 });
    expect(media).toEqual([{ id: expect.any(String), mimeType: "image/png", bytes: 70 }]);

    const report = writes.find((w) => w.model === "reports")?.doc;
    expect(report).toMatchObject({ folio: "MET-2026-000001", location: { type: "Point", coordinates: [-99.6047, 19.2566] }, photos: [media[0].id] });
    expect(writes.find((w) => w.model === "counters")?.doc).toEqual({ _id: "folio:15054:2026", seq: 1 });
    const modelOf = {
      citizens: models.citizens,
      conversations: models.conversations,
      reports: models.reports,
      inbound: models.inbound,
      counters: models.counters,
    };
    for (const { model, doc } of writes) {
      await expect(new modelOf[model as keyof typeof modelOf](doc).validate(), `${model} ${String(doc._id)}`).resolves.toBeUndefined();
    }
  });

  const uri = process.env.MONGODB_URI;
  it.skipIf(!uri)("copies into a real MongoDB, and a second run changes nothing (MONGODB_URI)", async () => {
    const dataDir = await sessionOnDisk();
    const dbName = `municipio_test_${randomUUID().slice(0, 8)}`;
    const mongo = await openMongoStore(uri as string, { dbName, attempts: 1 });
    try {
      const first = await migrateToMongo(dataDir, mongo, quiet);
      const second = await migrateToMongo(dataDir, mongo, quiet);
      expect(second).toEqual(first);
      expect(await mongo.reports.count()).toBe(1);
      const report = await mongo.reports.byFolio("MET-2026-000001");
      expect(report?.location).toEqual({ latitude: 19.2566, longitude: -99.6047 });
      expect((await mongo.media.get(report?.photos[0] as string))?.data.length).toBe(70);
      expect(await mongo.counters.next("folio:15054:2026")).toBe(2);
      expect(await mongo.citizens.get("console:ana")).toMatchObject({ channel: "console", consent: { version: expect.any(String) } });
    } finally {
      await mongo.connection.dropDatabase();
      await mongo.close();
    }
  });
});
