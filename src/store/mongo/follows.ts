/** Follows of reports on MongoDB: one document per citizen and report. */
import { type Connection, Schema } from "mongoose";
import type { Follow, FollowKind } from "../../domain/model/follow.js";
import type { FollowRepository } from "../ports.js";
import { DURABLE, isDuplicateKey } from "./collection.js";

export const followSchema = new Schema(
  {
    _id: { type: String, required: true },
    report: { type: String, required: true },
    citizen: { type: String, required: true },
    kind: { type: String, enum: ["affected", "anonymous_author"], required: true },
    since: { type: Date, required: true },
  },
  { ...DURABLE, collection: "follows" },
);
followSchema.index({ report: 1, since: 1 });
followSchema.index({ citizen: 1, since: 1 });

export const followModel = (conn: Connection) => conn.model("Follow", followSchema);

const key = (f: Pick<Follow, "report" | "citizen">) => `${f.report}|${f.citizen}`;

function toFollow(doc: Record<string, unknown>): Follow {
  const { _id, ...rest } = doc;
  return rest as unknown as Follow;
}

export class MongoFollows implements FollowRepository {
  constructor(private readonly model: ReturnType<typeof followModel>) {}

  async add(follow: Follow): Promise<boolean> {
    try {
      await this.model.create({ _id: key(follow), ...follow });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async forReport(report: string): Promise<Follow[]> {
    const docs = await this.model
      .find({ report: String(report) })
      .sort({ since: 1 })
      .lean();
    return docs.map((d) => toFollow(d as Record<string, unknown>));
  }

  async forCitizen(citizen: string): Promise<Follow[]> {
    const docs = await this.model
      .find({ citizen: String(citizen) })
      .sort({ since: 1 })
      .lean();
    return docs.map((d) => toFollow(d as Record<string, unknown>));
  }

  async drop(report: string, kind?: FollowKind): Promise<number> {
    const res = await this.model.deleteMany(kind ? { report: String(report), kind } : { report: String(report) });
    return res.deletedCount;
  }

  async dropCitizen(citizen: string): Promise<number> {
    return (await this.model.deleteMany({ citizen: String(citizen) })).deletedCount;
  }
}
