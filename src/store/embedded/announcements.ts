/** Announcements and their subscribers on the embedded store. */
import type { Announcement, Subscription } from "../../domain/model/announcement.js";
import { type AnnouncementRepository, DuplicateError, type SubscriptionRepository } from "../ports.js";
import { type Collection, findMany, fromDoc, isUniqueViolation } from "./collection.js";

export class EmbeddedAnnouncements implements AnnouncementRepository {
  constructor(private readonly db: Collection) {}

  async insert(announcement: Announcement): Promise<void> {
    try {
      await this.db.insertAsync({ _id: announcement.id, ...announcement });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateError(`announcement ${announcement.id} exists`);
      throw err;
    }
  }

  async get(id: string): Promise<Announcement | null> {
    return fromDoc<Announcement>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async update(announcement: Announcement, expectedState: Announcement["state"]): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync({ _id: announcement.id, state: expectedState }, { _id: announcement.id, ...announcement }, {});
    return numAffected === 1;
  }

  async due(now: Date, limit: number): Promise<Announcement[]> {
    return this.find({ state: "scheduled", at: { $lte: now } }, { at: 1 }, limit);
  }

  async list(municipality: string | undefined, limit: number): Promise<Announcement[]> {
    return this.find(municipality === undefined ? {} : { municipality: String(municipality) }, { createdAt: -1 }, limit);
  }

  async latestSent(municipality: string, since: Date, now: Date): Promise<Announcement | null> {
    const query = { municipality: String(municipality), state: "queued", audiences: "subscribers", at: { $gte: since, $lte: now } };
    const [latest] = await this.find(query, { at: -1, createdAt: -1 }, 1);
    return latest ?? null;
  }

  async *photoIds(): AsyncIterable<string> {
    for (const d of await this.db.findAsync<Record<string, unknown>>({}, { photo: 1 })) if (typeof d.photo === "string") yield d.photo;
  }

  private async find(query: Record<string, unknown>, sort: Record<string, 1 | -1>, limit: number): Promise<Announcement[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort(sort).limit(limit));
    return docs.map((d) => fromDoc<Announcement>(d) as Announcement);
  }
}

const key = (citizen: string, municipality: string) => `${municipality}|${citizen}`;

export class EmbeddedSubscriptions implements SubscriptionRepository {
  constructor(private readonly db: Collection) {}

  async add(subscription: Subscription): Promise<boolean> {
    try {
      await this.db.insertAsync({ _id: key(subscription.citizen, subscription.municipality), ...subscription });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async remove(citizen: string, municipality: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: key(String(citizen), String(municipality)) }, {})) > 0;
  }

  forCitizen(citizen: string): Promise<Subscription[]> {
    return this.find({ citizen: String(citizen) });
  }

  forMunicipality(municipality: string): Promise<Subscription[]> {
    return this.find({ municipality: String(municipality) });
  }

  dropCitizen(citizen: string): Promise<number> {
    return this.db.removeAsync({ citizen: String(citizen) }, { multi: true });
  }

  private async find(query: Record<string, string>): Promise<Subscription[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort({ since: 1 }));
    return docs.map((d) => fromDoc<Subscription>(d) as Subscription);
  }
}
