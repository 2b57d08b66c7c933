import type { Report } from "../../domain/model/report.js";
import type { ReportRepository } from "../ports.js";
import { type Collection, findMany, fromDoc } from "./collection.js";

/** A stored report as the domain knows it (reports saved before addresses were kept have none). */
function toReport(doc: Record<string, unknown> | null): Report | null {
  const report = fromDoc<Report>(doc);
  return report ? { ...report, address: typeof report.address === "string" ? report.address : null } : null;
}

export class EmbeddedReports implements ReportRepository {
  constructor(private readonly db: Collection) {}

  async insert(report: Report): Promise<void> {
    await this.db.insertAsync({ _id: report.id, ...report });
  }

  async byId(id: string): Promise<Report | null> {
    return fromDoc<Report>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async byFolio(folio: string): Promise<Report | null> {
    return toReport(await this.db.findOneAsync({ folio: String(folio) }));
  }

  async byCitizen(citizenId: string, limit: number): Promise<Report[]> {
    const docs = await findMany<Record<string, unknown>>(
      this.db
        .findAsync({ citizenId: String(citizenId) })
        .sort({ createdAt: -1 })
        .limit(limit),
    );
    return docs.map((d) => toReport(d) as Report);
  }

  async count(): Promise<number> {
    return (await this.db.countAsync({})) as unknown as number;
  }
}
