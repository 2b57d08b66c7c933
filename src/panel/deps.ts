/** What the secretariat's web panel works with: the same domain operations, permissions and texts as its Telegram face. */
import type { Announcements } from "../domain/announcements.js";
import type { Areas } from "../domain/areas.js";
import type { Categories } from "../domain/categories.js";
import type { DataRights } from "../domain/data-rights.js";
import type { Members } from "../domain/members.js";
import { ALL_MUNICIPALITIES, actsOn, type Member } from "../domain/model/member.js";
import type { Municipalities, Municipality } from "../domain/municipalities.js";
import type { Photos } from "../domain/photos.js";
import type { Plans } from "../domain/plan/plans.js";
import type { CommitmentUpdates } from "../domain/plan/updates.js";
import type { Lifecycle } from "../domain/statuses.js";
import type { Templates } from "../domain/templates.js";
import type { Triage } from "../domain/triage.js";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { CommitmentRepository, EventRepository, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { SessionKeys } from "./session.js";

/** What the operations page shows of WhatsApp: its state and, while it waits for a scan, the QR's data. */
export interface WhatsAppView {
  state: string;
  qr?: string;
}

export interface PanelDeps {
  members: Members;
  triage: Triage;
  lifecycle: Lifecycle;
  areas: Areas;
  templates: Templates;
  photos: Photos;
  commitments: CommitmentUpdates;
  plans: Plans;
  announcements: Announcements;
  reports: ReportRepository;
  commitmentRecords: CommitmentRepository;
  events: EventRepository;
  /** The data requests (ARCO) of the municipalities, and marking one done. */
  dataRights: Pick<DataRights, "requests" | "pending" | "markDone">;
  municipalities: Municipalities;
  categories: Categories;
  texts: Texts;
  defaultLanguage: Language;
  languages: readonly Language[];
  timeZone: string;
  folioDigits: number;
  session: SessionKeys;
  clock: Clock;
  logger: Logger;
  /** Present when WhatsApp runs in this process. */
  whatsapp?: () => WhatsAppView;
}

/** The municipalities a member sees: their own, or undefined for an admin of every one. */
export function scopeOf(member: Member): string[] | undefined {
  return member.role === "admin" && member.municipalities.includes(ALL_MUNICIPALITIES) ? undefined : member.municipalities;
}

/** The municipality asked for when the member acts on it, or the member's first; undefined when not theirs. */
export function choseMunicipality(deps: Pick<PanelDeps, "municipalities">, member: Member, asked: string | undefined): string | undefined {
  if (asked) return actsOn(member, asked) && deps.municipalities.get(asked) ? asked : undefined;
  return scopeOf(member)?.[0] ?? deps.municipalities.list[0]?.cvegeo;
}

/** The municipalities a member may pick on a page, by name. */
export function municipalitiesOf(deps: Pick<PanelDeps, "municipalities">, member: Member): Municipality[] {
  const scope = scopeOf(member);
  const list = scope ? scope.map((k) => deps.municipalities.get(k)).filter((m) => m !== undefined) : [...deps.municipalities.list];
  return list.sort((a, b) => a.name.localeCompare(b.name, "es"));
}
