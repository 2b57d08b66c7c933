import { type Connection, Schema } from "mongoose";
import { CHANNELS } from "../../domain/model/channel.js";
import type { Citizen } from "../../domain/model/citizen.js";
import { LANGUAGES } from "../../locale/languages.js";
import type { CitizenRepository } from "../ports.js";
import { DURABLE, fromDoc, SCHEMA_OPTIONS } from "./collection.js";

/** A citizen: channel, language and consent (majority: a consent rolled back by a failover is asked again). */
export const citizenSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    language: { type: String, enum: LANGUAGES, required: true },
    consent: {
      type: new Schema({ version: { type: String, required: true }, at: { type: Date, required: true } }, SCHEMA_OPTIONS),
      default: null,
    },
    // "baja": no notices of what was followed before this time.
    noticesStoppedAt: { type: Date },
    // The municipality the citizen says is theirs (corrected in "mis datos").
    municipality: { type: String, match: /^\d{5}$/ },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "citizens" },
);

export const citizenModel = (conn: Connection) => conn.model("Citizen", citizenSchema);

export class MongoCitizens implements CitizenRepository {
  constructor(private readonly model: ReturnType<typeof citizenModel>) {}

  async get(id: string): Promise<Citizen | null> {
    return fromDoc<Citizen>(await this.model.findById(String(id)).lean());
  }

  async save(citizen: Citizen): Promise<void> {
    const { id, ...rest } = citizen;
    await this.model.replaceOne({ _id: id }, { _id: id, ...rest }, { upsert: true, runValidators: true });
  }

  async remove(id: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: String(id) })).deletedCount > 0;
  }
}
