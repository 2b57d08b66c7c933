import type { Citizen, CitizenRepository } from "../ports.js";
import { type Collection, fromDoc } from "./collection.js";

export class EmbeddedCitizens implements CitizenRepository {
  constructor(private readonly db: Collection) {}

  async get(id: string): Promise<Citizen | null> {
    return fromDoc<Citizen>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async save(citizen: Citizen): Promise<void> {
    await this.db.updateAsync({ _id: citizen.id }, { _id: citizen.id, ...citizen }, { upsert: true });
  }
}
