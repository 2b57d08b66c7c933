/** Announcements and their subscribers on MongoDB: one document per announcement, and per citizen and municipality. */
import { type Connection, Schema, trusted } from "mongoose";
import { type Announcement, AUDIENCES, type Subscription } from "../../domain/model/announcement.js";
import { type AnnouncementRepository, DuplicateError, type SubscriptionRepository } from "../ports.js";
import { DURABLE, isDuplicateKey, SCHEMA_OPTIONS } from "./collection.js";

const MUNICIPALITY = /^\d{5}$/;

export const announcementSchema = new Schema(
  {
    _id: { type: String, required: true },
    id: { type: String, required: true },
    municipality: { type: String, required: true, match: MUNICIPALITY },
    text: { type: String, required: true, maxlength: 4096 },
    photo: { type: String, default: null },
    audiences: { type: [{ type: String, enum: AUDIENCES }], required: true },
    at: { type: Date, required: true },
    state: { type: String, enum: ["scheduled", "queued", "cancelled"], required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    queuedAt: { type: Date, default: null },
    recipients: { type: Number, default: null },
  },
  { ...DURABLE, collection: "announcements" },
);
announcementSchema.index({ municipality: 1, createdAt: -1 });
announcementSchema.index({ state: 1, at: 1 });
// The latest sent to a municipality's subscribers (read to a new subscriber).
announcementSchema.index({ municipality: 1, state: 1, at: -1 });

const consentSchema = new Schema({ version: { type: String, required: true }, at: { type: Date, required: true } }, SCHEMA_OPTIONS);

export const subscriptionSchema = new Schema(
  {
    _id: { type: String, required: true },
    citizen: { type: String, required: true },
    municipality: { type: String, required: true, match: MUNICIPALITY },
    since: { type: Date, required: true },
    consent: { type: consentSchema, required: true },
  },
  { ...DURABLE, collection: "subscriptions" },
);
subscriptionSchema.index({ municipality: 1, since: 1 });
subscriptionSchema.index({ citizen: 1, since: 1 });

export const announcementModel = (conn: Connection) => conn.model("Announcement", announcementSchema);
export const subscriptionModel = (conn: Connection) => conn.model("Subscription", subscriptionSchema);

function withoutId<T>(doc: Record<string, unknown>): T {
  const { _id, ...rest } = doc;
  return rest as T;
}

export class MongoAnnouncements implements AnnouncementRepository {
  constructor(private readonly model: ReturnType<typeof announcementModel>) {}

  async insert(announcement: Announcement): Promise<void> {
    try {
      await this.model.create({ _id: announcement.id, ...announcement });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateError(`announcement ${announcement.id} exists`);
      throw err;
    }
  }

  async get(id: string): Promise<Announcement | null> {
    const doc = await this.model.findById(String(id)).lean();
    return doc ? withoutId<Announcement>(doc as Record<string, unknown>) : null;
  }

  async update(announcement: Announcement, expectedState: Announcement["state"]): Promise<boolean> {
    const res = await this.model.replaceOne({ _id: announcement.id, state: expectedState }, { _id: announcement.id, ...announcement }, { runValidators: true });
    return res.modifiedCount === 1;
  }

  async due(now: Date, limit: number): Promise<Announcement[]> {
    const docs = await this.model
      .find({ state: "scheduled", at: trusted({ $lte: now }) })
      .sort({ at: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => withoutId<Announcement>(d as Record<string, unknown>));
  }

  async list(municipality: string | undefined, limit: number): Promise<Announcement[]> {
    const docs = await this.model
      .find(municipality === undefined ? {} : { municipality: String(municipality) })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean();
    return docs.map((d) => withoutId<Announcement>(d as Record<string, unknown>));
  }

  async latestSent(municipality: string, since: Date, now: Date): Promise<Announcement | null> {
    const doc = await this.model
      .findOne({ municipality: String(municipality), state: "queued", audiences: "subscribers", at: trusted({ $gte: since, $lte: now }) })
      .sort({ at: -1, createdAt: -1 })
      .lean();
    return doc ? withoutId<Announcement>(doc as Record<string, unknown>) : null;
  }

  async *photoIds(): AsyncIterable<string> {
    for await (const d of this.model.find({}, { photo: 1 }).lean().cursor()) {
      const { photo } = d as { photo?: unknown };
      if (typeof photo === "string") yield photo;
    }
  }
}

const key = (citizen: string, municipality: string) => `${municipality}|${citizen}`;

export class MongoSubscriptions implements SubscriptionRepository {
  constructor(private readonly model: ReturnType<typeof subscriptionModel>) {}

  async add(subscription: Subscription): Promise<boolean> {
    try {
      await this.model.create({ _id: key(subscription.citizen, subscription.municipality), ...subscription });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async remove(citizen: string, municipality: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: key(String(citizen), String(municipality)) })).deletedCount === 1;
  }

  forCitizen(citizen: string): Promise<Subscription[]> {
    return this.find({ citizen: String(citizen) });
  }

  forMunicipality(municipality: string): Promise<Subscription[]> {
    return this.find({ municipality: String(municipality) });
  }

  async dropCitizen(citizen: string): Promise<number> {
    return (await this.model.deleteMany({ citizen: String(citizen) })).deletedCount;
  }

  private async find(query: Record<string, string>): Promise<Subscription[]> {
    const docs = await this.model.find(query).sort({ since: 1 }).lean();
    return docs.map((d) => withoutId<Subscription>(d as Record<string, unknown>));
  }
}
