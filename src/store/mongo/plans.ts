/** Plans, commitments and who follows them, on MongoDB: one document per plan, commitment and follow. */
import { type Connection, Schema, trusted } from "mongoose";
import { COMMITMENT_STATES, type Commitment, type CommitmentFollow, PLAN_STATES, type Plan, PRINCIPLES } from "../../domain/model/plan.js";
import { type CommitmentFollowRepository, type CommitmentRepository, DuplicateError, type PlanRepository } from "../ports.js";
import { DURABLE, isDuplicateKey, SCHEMA_OPTIONS } from "./collection.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MUNICIPALITY = /^\d{5}$/;
const day = { type: String, required: true, match: DAY };
const nullableDay = { type: String, default: null, match: DAY };

export const planSchema = new Schema(
  {
    _id: { type: String, required: true, match: MUNICIPALITY },
    municipality: { type: String, required: true, match: MUNICIPALITY },
    title: { type: String, required: true, maxlength: 300 },
    period: { type: new Schema({ start: day, end: day }, SCHEMA_OPTIONS), required: true },
    state: { type: String, enum: PLAN_STATES, required: true },
    example: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "plans" },
);

const milestoneSchema = new Schema(
  {
    number: { type: Number, required: true, min: 1 },
    title: { type: String, required: true, maxlength: 300 },
    due: day,
    done: nullableDay,
    evidence: { type: String, default: null, maxlength: 1000 },
    weight: { type: Number, required: true, min: 0 },
    reason: { type: String, default: null, maxlength: 4000 },
  },
  SCHEMA_OPTIONS,
);

const indicatorSchema = new Schema(
  {
    number: { type: Number, required: true, min: 1 },
    name: { type: String, required: true, maxlength: 300 },
    unit: { type: String, required: true, maxlength: 60 },
    baseline: { type: Number, required: true },
    target: { type: Number, required: true },
    current: { type: Number, required: true },
    date: nullableDay,
  },
  SCHEMA_OPTIONS,
);

/** One change of any kind: the fields its kind has are set (domain/model/plan.ts). */
const changeSchema = new Schema(
  {
    version: { type: Number, required: true, min: 1 },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    kind: { type: String, enum: ["milestone_done", "milestone_moved", "indicator_updated"], required: true },
    milestone: { type: Number },
    indicator: { type: Number },
    done: { type: String, match: DAY },
    evidence: { type: String },
    // A date (a moved milestone) or a value (an indicator).
    from: { type: Schema.Types.Mixed },
    to: { type: Schema.Types.Mixed },
    reason: { type: String, maxlength: 4000 },
    date: { type: String, match: DAY },
  },
  // No defaults: a change holds the fields of its kind and no others.
  SCHEMA_OPTIONS,
);

export const commitmentSchema = new Schema(
  {
    _id: { type: String, required: true, match: /^\d{5}-\d{1,3}$/ },
    municipality: { type: String, required: true, match: MUNICIPALITY },
    number: { type: Number, required: true, min: 1 },
    title: { type: String, required: true, maxlength: 300 },
    problem: { type: String, required: true, maxlength: 4000 },
    baseline: { type: String, required: true, maxlength: 4000 },
    objective: { type: String, required: true, maxlength: 4000 },
    actions: { type: String, required: true, maxlength: 4000 },
    responsible: { type: String, required: true, maxlength: 300 },
    coResponsible: { type: String, required: true, maxlength: 300 },
    principles: { type: [{ type: String, enum: PRINCIPLES }], required: true },
    start: day,
    end: day,
    state: { type: String, enum: COMMITMENT_STATES, required: true },
    milestones: { type: [milestoneSchema], default: [] },
    indicators: { type: [indicatorSchema], default: [] },
    reports: { type: [String], default: [] },
    changes: { type: [changeSchema], default: [] },
    version: { type: Number, required: true, min: 1 },
    dispatched: { type: Number, required: true, min: 0 },
    dispatchPending: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "commitments" },
);
commitmentSchema.index({ municipality: 1, number: 1 });
commitmentSchema.index({ reports: 1 });
// Commitments whose changes still have to reach their followers.
commitmentSchema.index({ updatedAt: 1 }, { name: "commitments_to_dispatch", partialFilterExpression: { dispatchPending: true } });

export const commitmentFollowSchema = new Schema(
  {
    _id: { type: String, required: true },
    commitment: { type: String, required: true },
    citizen: { type: String, required: true },
    since: { type: Date, required: true },
  },
  { ...DURABLE, collection: "commitment_follows" },
);
commitmentFollowSchema.index({ commitment: 1, since: 1 });
commitmentFollowSchema.index({ citizen: 1, since: 1 });

export const planModel = (conn: Connection) => conn.model("Plan", planSchema);
export const commitmentModel = (conn: Connection) => conn.model("Commitment", commitmentSchema);
export const commitmentFollowModel = (conn: Connection) => conn.model("CommitmentFollow", commitmentFollowSchema);

function withoutId<T>(doc: Record<string, unknown>): T {
  const { _id, ...rest } = doc;
  return rest as T;
}

function toCommitment(doc: Record<string, unknown>): Commitment {
  const { _id, ...rest } = doc;
  return { id: String(_id), ...rest } as Commitment;
}

export class MongoPlans implements PlanRepository {
  constructor(private readonly model: ReturnType<typeof planModel>) {}

  async get(municipality: string): Promise<Plan | null> {
    const doc = await this.model.findById(String(municipality)).lean();
    return doc ? withoutId<Plan>(doc as Record<string, unknown>) : null;
  }

  async save(plan: Plan): Promise<void> {
    await this.model.replaceOne({ _id: plan.municipality }, { _id: plan.municipality, ...plan }, { upsert: true, runValidators: true });
  }

  async list(): Promise<Plan[]> {
    const docs = await this.model.find({}).sort({ _id: 1 }).lean();
    return docs.map((d) => withoutId<Plan>(d as Record<string, unknown>));
  }
}

export function commitmentToDoc(c: Commitment): Record<string, unknown> {
  const { id, ...rest } = c;
  return { _id: id, ...rest };
}

export class MongoCommitments implements CommitmentRepository {
  constructor(private readonly model: ReturnType<typeof commitmentModel>) {}

  async get(id: string): Promise<Commitment | null> {
    const doc = await this.model.findById(String(id)).lean();
    return doc ? toCommitment(doc as Record<string, unknown>) : null;
  }

  async forMunicipality(municipality: string): Promise<Commitment[]> {
    const docs = await this.model
      .find({ municipality: String(municipality) })
      .sort({ number: 1 })
      .lean();
    return docs.map((d) => toCommitment(d as Record<string, unknown>));
  }

  async withReport(report: string): Promise<Commitment[]> {
    const docs = await this.model
      .find({ reports: String(report) })
      .sort({ municipality: 1, number: 1 })
      .lean();
    return docs.map((d) => toCommitment(d as Record<string, unknown>));
  }

  async insert(commitment: Commitment): Promise<void> {
    try {
      await this.model.create(commitmentToDoc(commitment));
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateError(`commitment ${commitment.id} exists`);
      throw err;
    }
  }

  async update(commitment: Commitment, expectedVersion: number): Promise<boolean> {
    const res = await this.model.replaceOne({ _id: commitment.id, version: expectedVersion }, commitmentToDoc(commitment), { runValidators: true });
    return res.modifiedCount === 1;
  }

  async undispatched(limit: number): Promise<Commitment[]> {
    const docs = await this.model.find({ dispatchPending: true }).sort({ updatedAt: 1 }).limit(limit).lean();
    return docs.map((d) => toCommitment(d as Record<string, unknown>));
  }

  async markDispatched(id: string, version: number): Promise<void> {
    await this.model.updateOne({ _id: String(id), version }, { $set: { dispatched: version, dispatchPending: false } });
    // Changed meanwhile: this version's notices are queued, the later change still waits.
    await this.model.updateOne(
      { _id: String(id), version: trusted({ $gt: version }), dispatched: trusted({ $lt: version }) },
      { $set: { dispatched: version } },
    );
  }
}

const followKey = (commitment: string, citizen: string) => `${commitment}|${citizen}`;

export class MongoCommitmentFollows implements CommitmentFollowRepository {
  constructor(private readonly model: ReturnType<typeof commitmentFollowModel>) {}

  async add(follow: CommitmentFollow): Promise<boolean> {
    try {
      await this.model.create({ _id: followKey(follow.commitment, follow.citizen), ...follow });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async remove(commitment: string, citizen: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: followKey(String(commitment), String(citizen)) })).deletedCount === 1;
  }

  async get(commitment: string, citizen: string): Promise<CommitmentFollow | null> {
    const doc = await this.model.findById(followKey(String(commitment), String(citizen))).lean();
    return doc ? withoutId<CommitmentFollow>(doc as Record<string, unknown>) : null;
  }

  async forCommitment(commitment: string): Promise<CommitmentFollow[]> {
    return this.find({ commitment: String(commitment) });
  }

  async forCitizen(citizen: string): Promise<CommitmentFollow[]> {
    return this.find({ citizen: String(citizen) });
  }

  async dropCitizen(citizen: string): Promise<number> {
    return (await this.model.deleteMany({ citizen: String(citizen) })).deletedCount;
  }

  private async find(query: Record<string, string>): Promise<CommitmentFollow[]> {
    const docs = await this.model.find(query).sort({ since: 1 }).lean();
    return docs.map((d) => withoutId<CommitmentFollow>(d as Record<string, unknown>));
  }
}
