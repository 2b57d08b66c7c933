/** Follows of reports on the embedded store. */
import type { Follow, FollowKind } from "../../domain/model/follow.js";
import type { FollowRepository } from "../ports.js";
import { type Collection, findMany, fromDoc, isUniqueViolation } from "./collection.js";

const key = (f: Pick<Follow, "report" | "citizen">) => `${f.report}|${f.citizen}`;

export class EmbeddedFollows implements FollowRepository {
  constructor(private readonly db: Collection) {}

  async add(follow: Follow): Promise<boolean> {
    try {
      await this.db.insertAsync({ _id: key(follow), ...follow });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async forReport(report: string): Promise<Follow[]> {
    return this.find({ report: String(report) });
  }

  async forCitizen(citizen: string): Promise<Follow[]> {
    return this.find({ citizen: String(citizen) });
  }

  async drop(report: string, kind?: FollowKind): Promise<number> {
    return this.db.removeAsync(kind ? { report: String(report), kind } : { report: String(report) }, { multi: true });
  }

  async dropCitizen(citizen: string): Promise<number> {
    return this.db.removeAsync({ citizen: String(citizen) }, { multi: true });
  }

  private async find(query: Record<string, string>): Promise<Follow[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort({ since: 1 }));
    return docs.map((d) => fromDoc<Follow>(d) as Follow);
  }
}
