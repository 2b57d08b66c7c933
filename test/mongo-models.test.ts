/**
 * What mongoose checks without a server: every model validates and casts what the repositories
 * write, declares the indexes the queries need, and neutralises hostile filters before any query.
 * The same repositories run against a real server in store.contract.test.ts when MONGODB_URI is set.
 */
import mongoose, { type Connection } from "mongoose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../src/domain/model/report.js";
import { INBOUND_TTL_S } from "../src/store/claim.js";
import { defineModels, hardenConnection, type Models, MongoUnavailableError, mongoHosts, openMongoStore } from "../src/store/mongo/index.js";
import { CITIZEN_INDEX, MongoReports, reportFromDoc, reportToDoc } from "../src/store/mongo/reports.js";
import { sampleReport } from "./helpers/reports.js";

let conn: Connection;
let models: Models;
beforeAll(() => {
  // Never opened: nothing here may reach a server.
  conn = hardenConnection(mongoose.createConnection());
  models = defineModels(conn);
});
afterAll(() => conn.close());

const at = new Date("2026-11-28T12:00:00Z");

function report(over: Partial<Report> = {}): Report {
  return sampleReport({
    folio: "MET-2026-000001",
    photos: ["0b5e7d1a-8d55-4a0e-9b7c-3f0e1c2d4a5b"],
    channel: "telegram",
    citizenId: "telegram:5001",
    ...over,
  });
}

async function validationError(doc: { validate(): Promise<void> }): Promise<string[]> {
  try {
    await doc.validate();
    return [];
  } catch (err) {
    return Object.keys((err as mongoose.Error.ValidationError).errors ?? {}).sort();
  }
}

describe("mongoose models, without a server", () => {
  it("a report validates, keeps GeoJSON [longitude, latitude], and maps back to the domain unchanged", async () => {
    const r = report();
    const doc = new models.reports(reportToDoc(r));
    expect(await validationError(doc)).toEqual([]);
    expect(doc.toObject().location).toEqual({ type: "Point", coordinates: [-99.6047, 19.2566] });
    expect(reportFromDoc(doc.toObject() as Record<string, unknown>)).toEqual(r);
    // Without a location the field is absent (the 2dsphere index skips it) and comes back null.
    const noLocation = new models.reports(reportToDoc(report({ location: null, citizenId: null, anonymous: true })));
    expect(await validationError(noLocation)).toEqual([]);
    expect(reportFromDoc(noLocation.toObject() as Record<string, unknown>).location).toBeNull();
  });

  it("rejects reports the domain would never write", async () => {
    const bad = new models.reports({
      ...reportToDoc(report()),
      folio: "met-1",
      // The store checks shapes; which keys and statuses exist is the domain's (deployment.yaml, statuses.yaml).
      municipality: "15-054",
      status: "Olvidado!",
      language: "fr",
      location: { type: "Point", coordinates: [19.2566, -199] },
      history: [{ status: "recibido", at: "not a date", by: "system" }],
    });
    expect(await validationError(bad)).toEqual(
      expect.arrayContaining(["folio", "municipality", "status", "language", "location.coordinates", "history.0.at"].map((p) => expect.stringContaining(p))),
    );
    expect(() => new models.reports({ ...reportToDoc(report()), extra: "field" })).toThrow(/not in schema/);
  });

  it("casts what comes as text to the declared types", async () => {
    const doc = new models.inbound({ _id: "telegram:1", state: "processing", claimedAt: "2026-11-28T12:00:00Z" });
    expect(await validationError(doc)).toEqual([]);
    expect(doc.claimedAt).toBeInstanceOf(Date);
    const counter = new models.counters({ _id: "folio:15054:2026", seq: "41" });
    expect(counter.seq).toBe(41);
    expect(await validationError(new models.counters({ _id: "c", seq: -1 }))).toEqual(["seq"]);
    expect(await validationError(new models.inbound({ _id: "x", state: "lost", claimedAt: at }))).toEqual(["state"]);
  });

  it("citizens and conversations validate; a conversation's empty vars survive", async () => {
    const citizen = new models.citizens({
      _id: "telegram:5001",
      channel: "telegram",
      chatId: "5001",
      language: "es-MX",
      consent: null,
      createdAt: at,
      updatedAt: at,
    });
    expect(await validationError(citizen)).toEqual([]);
    expect(await validationError(new models.citizens({ _id: "sms:1", channel: "sms", chatId: "1", language: "es-MX", createdAt: at, updatedAt: at }))).toEqual([
      "channel",
    ]);
    const conversation = new models.conversations({
      _id: "telegram:5001",
      channel: "telegram",
      chatId: "5001",
      state: { flow: "menu", flowVersion: "abc", step: "choose", waiting: "answer", vars: {}, attempts: 0, lang: "es-MX" },
      pending: [{ id: "r1", lang: "es-MX", text: "¿Qué quieres hacer?", choices: [{ value: "report", label: "Reportar" }] }],
      updatedAt: at,
    });
    expect(await validationError(conversation)).toEqual([]);
    expect(conversation.toObject().state.vars).toEqual({});
    const broken = new models.conversations({ _id: "web:1", channel: "web", chatId: "1", state: { flow: "menu" }, updatedAt: at });
    expect(await validationError(broken)).toEqual(expect.arrayContaining(["state.flowVersion", "state.step", "state.waiting", "state.lang"]));
  });

  it("declares the indexes the queries need", () => {
    const indexes = (m: mongoose.Model<never>) => m.schema.indexes().map(([fields, options]) => ({ fields, ...options }));
    expect(indexes(models.reports as never)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fields: { folio: 1 }, unique: true }),
        expect.objectContaining({ fields: { municipality: 1, status: 1, createdAt: -1 } }),
        expect.objectContaining({ fields: { citizenId: 1, createdAt: -1 }, name: CITIZEN_INDEX, partialFilterExpression: { citizenId: { $gt: "" } } }),
        expect.objectContaining({ fields: { location: "2dsphere" } }),
      ]),
    );
    expect(indexes(models.conversations as never)).toEqual([
      expect.objectContaining({ fields: { channel: 1, chatId: 1 }, unique: true }),
      expect.objectContaining({ fields: { channel: 1, updatedAt: 1 } }),
      // Reports never sent, by age: those holding one, and those saved before the mark (null in the index).
      expect.objectContaining({ fields: { holdsDraft: 1, updatedAt: 1 }, name: "drafts_by_age" }),
    ]);
    expect(indexes(models.inbound as never)).toEqual([
      expect.objectContaining({ fields: { claimedAt: 1 }, expireAfterSeconds: INBOUND_TTL_S }),
      expect.objectContaining({ fields: { state: 1, claimedAt: 1 }, partialFilterExpression: { state: "processing" } }),
    ]);
    // Inbound ids are unique as the collection's _id. Every collection is written with majority and a timeout.
    for (const model of Object.values(models)) expect(model.schema.get("writeConcern")).toEqual({ w: "majority", j: true, wtimeout: 10_000 });
  });

  it("neutralises hostile filters before any query is sent", async () => {
    const castFilter = (q: mongoose.Query<unknown, unknown>) => {
      (q as unknown as { _castConditions(): void })._castConditions();
      return { filter: q.getFilter(), error: (q as unknown as { error(): Error | null }).error() };
    };
    // An object where a folio belongs is wrapped in $eq: it can only match a folio equal to it, and casting it to text fails.
    const gt = castFilter(models.reports.findOne({ folio: { $gt: "" } }));
    expect(gt.error?.name).toBe("CastError");
    expect(() => castFilter(models.reports.findOne({ $where: "return true" }))).toThrow(/\$where is not allowed/);
    expect(castFilter(models.reports.findOne({ notAField: 1 })).error?.message).toMatch(/not in schema/);
    // The repository never even passes the object on: it is compared as text.
    const queries: unknown[] = [];
    const spy = {
      findOne(filter: unknown) {
        queries.push(filter);
        return { lean: async () => null };
      },
    };
    await new MongoReports(spy as never).byFolio({ $gt: "" } as unknown as string);
    expect(queries).toEqual([{ folio: "[object Object]" }]);
  });

  it("an unreachable server stops start-up with one line naming the host, never the password", async () => {
    const retries: string[] = [];
    const error = await openMongoStore("mongodb://bot:s3cr3t@127.0.0.1:9/municipio", {
      attempts: 2,
      firstDelayMs: 10,
      timeoutMs: 300,
      onRetry: ({ host }) => retries.push(host),
    }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(MongoUnavailableError);
    expect((error as Error).message).toMatch(/^cannot reach MongoDB at 127\.0\.0\.1:9: .+/);
    expect((error as Error).message).not.toContain("s3cr3t");
    expect(retries).toEqual(["127.0.0.1:9"]);
  });

  it("logs name only the hosts of a URI, never its password", () => {
    expect(mongoHosts("mongodb://bot:s3cr3t@db1.example.mx:27017,db2.example.mx:27017/municipio?replicaSet=rs0")).toBe(
      "db1.example.mx:27017,db2.example.mx:27017",
    );
    expect(mongoHosts("mongodb+srv://bot:s3cr3t@cluster0.example.net/municipio")).toBe("cluster0.example.net");
  });
});
