/** What anyone holding a folio may see of a report: never the description's author, the chat or internal notes. */
import type { Report } from "./model/report.js";
import type { Municipalities } from "./municipalities.js";

/** One public step: a change of status (with the office it went to, or the folio it repeats), a public answer, a reopening, a citizen saying it is not solved. */
export type PublicStep = {
  kind: "status" | "answer" | "reopened" | "disputed";
  status: string;
  at: string;
  /** The public note (a reason, the answer's text), or "". */
  note: string;
  /** The office it was channelled to at this step (config/areas.yaml id), or "". */
  area: string;
  /** For a step into "duplicado": the folio it repeats, or "". */
  duplicateOf: string;
};

export type PublicReport = {
  folio: string;
  /** The municipality's name. */
  municipality: string;
  category: string;
  status: string;
  created: string;
  /** How many citizens said it affects them too. */
  followers: number;
  history: PublicStep[];
};

export function publicReport(r: Report, municipalities: Municipalities): PublicReport {
  return {
    folio: r.folio,
    municipality: municipalities.get(r.municipality)?.name ?? r.municipality,
    category: r.category,
    status: r.status,
    created: r.createdAt.toISOString(),
    followers: r.followers,
    history: r.history.map((h) => ({
      kind: h.kind,
      status: h.status,
      at: h.at.toISOString(),
      note: h.note ?? "",
      area: h.area ?? "",
      duplicateOf: h.kind === "status" && h.status === "duplicado" ? (r.duplicateOf ?? "") : "",
    })),
  };
}
