/** What anyone holding a folio may see of a report: never the description's author, the chat or internal notes. */
import type { Report } from "./model/report.js";
import type { Municipalities } from "./municipalities.js";

export type PublicReport = {
  folio: string;
  /** The municipality's name. */
  municipality: string;
  category: string;
  status: string;
  created: string;
  history: { status: string; at: string; note: string }[];
};

export function publicReport(r: Report, municipalities: Municipalities): PublicReport {
  return {
    folio: r.folio,
    municipality: municipalities.get(r.municipality)?.name ?? r.municipality,
    category: r.category,
    status: r.status,
    created: r.createdAt.toISOString(),
    history: r.history.map((h) => ({ status: h.status, at: h.at.toISOString(), note: h.note ?? "" })),
  };
}
