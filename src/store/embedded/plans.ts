/** Plans, commitments and who follows them, on the embedded store. */
import type { Commitment, CommitmentFollow, Plan } from "../../domain/model/plan.js";
import { type CommitmentFollowRepository, type CommitmentRepository, DuplicateError, type PlanRepository } from "../ports.js";
import { type Collection, findMany, fromDoc, isUniqueViolation } from "./collection.js";

export class EmbeddedPlans implements PlanRepository {
  constructor(private readonly db: Collection) {}

  async get(municipality: string): Promise<Plan | null> {
    return fromDoc<Plan>(await this.db.findOneAsync({ _id: String(municipality) }));
  }

  async save(plan: Plan): Promise<void> {
    await this.db.updateAsync({ _id: plan.municipality }, { _id: plan.municipality, ...plan }, { upsert: true });
  }

  async list(): Promise<Plan[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({}).sort({ municipality: 1 }));
    return docs.map((d) => fromDoc<Plan>(d) as Plan);
  }
}

export class EmbeddedCommitments implements CommitmentRepository {
  constructor(private readonly db: Collection) {}

  async get(id: string): Promise<Commitment | null> {
    return fromDoc<Commitment>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async forMunicipality(municipality: string): Promise<Commitment[]> {
    return this.find({ municipality: String(municipality) }, { number: 1 });
  }

  async withReport(report: string): Promise<Commitment[]> {
    return this.find({ reports: String(report) }, { municipality: 1, number: 1 });
  }

  async insert(commitment: Commitment): Promise<void> {
    try {
      await this.db.insertAsync({ _id: commitment.id, ...commitment });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateError(`commitment ${commitment.id} exists`);
      throw err;
    }
  }

  async update(commitment: Commitment, expectedVersion: number): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync({ _id: commitment.id, version: expectedVersion }, { _id: commitment.id, ...commitment }, {});
    return numAffected === 1;
  }

  async undispatched(limit: number): Promise<Commitment[]> {
    return this.find({ dispatchPending: true }, { updatedAt: 1 }, limit);
  }

  async markDispatched(id: string, version: number): Promise<void> {
    await this.db.updateAsync({ _id: String(id), version }, { $set: { dispatched: version, dispatchPending: false } }, {});
    // Changed meanwhile: this version's notices are queued, the later change still waits.
    await this.db.updateAsync({ _id: String(id), version: { $gt: version }, dispatched: { $lt: version } }, { $set: { dispatched: version } }, {});
  }

  private async find(query: Record<string, unknown>, sort: Record<string, 1 | -1>, limit?: number): Promise<Commitment[]> {
    const cursor = this.db.findAsync(query).sort(sort);
    const docs = await findMany<Record<string, unknown>>(limit === undefined ? cursor : cursor.limit(limit));
    return docs.map((d) => fromDoc<Commitment>(d) as Commitment);
  }
}

const followKey = (commitment: string, citizen: string) => `${commitment}|${citizen}`;

export class EmbeddedCommitmentFollows implements CommitmentFollowRepository {
  constructor(private readonly db: Collection) {}

  async add(follow: CommitmentFollow): Promise<boolean> {
    try {
      await this.db.insertAsync({ _id: followKey(follow.commitment, follow.citizen), ...follow });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async remove(commitment: string, citizen: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: followKey(String(commitment), String(citizen)) }, {})) === 1;
  }

  async get(commitment: string, citizen: string): Promise<CommitmentFollow | null> {
    return fromDoc<CommitmentFollow>(await this.db.findOneAsync({ _id: followKey(String(commitment), String(citizen)) }));
  }

  async forCommitment(commitment: string): Promise<CommitmentFollow[]> {
    return this.find({ commitment: String(commitment) });
  }

  async forCitizen(citizen: string): Promise<CommitmentFollow[]> {
    return this.find({ citizen: String(citizen) });
  }

  async dropCitizen(citizen: string): Promise<number> {
    return this.db.removeAsync({ citizen: String(citizen) }, { multi: true });
  }

  private async find(query: Record<string, string>): Promise<CommitmentFollow[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort({ since: 1 }));
    return docs.map((d) => fromDoc<CommitmentFollow>(d) as CommitmentFollow);
  }
}
