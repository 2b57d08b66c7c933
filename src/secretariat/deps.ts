/** What the secretariat's Telegram face works with: the domain's services, the stores it reads, the outbox. */
import type { Announcements } from "../domain/announcements.js";
import type { Areas } from "../domain/areas.js";
import type { LinkedChats } from "../domain/chats.js";
import type { DataRights } from "../domain/data-rights.js";
import type { Handoffs } from "../domain/handoffs.js";
import type { Members } from "../domain/members.js";
import type { Municipalities } from "../domain/municipalities.js";
import type { Photos } from "../domain/photos.js";
import type { CitizenPlans } from "../domain/plan/citizen-plans.js";
import type { CommitmentUpdates } from "../domain/plan/updates.js";
import type { Lifecycle } from "../domain/statuses.js";
import type { Templates } from "../domain/templates.js";
import type { Triage } from "../domain/triage.js";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { Delivery } from "../notify/delivery.js";
import type { CardRepository, EventRepository, OutboxRepository, PromptRepository, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { Pseudonymizer } from "../util/pseudonym.js";

export interface SecretariatDeps {
  members: Members;
  announcements: Announcements;
  chats: LinkedChats;
  triage: Triage;
  handoffs: Handoffs;
  /** Milestones done, dates moved, indicators updated. */
  commitments: CommitmentUpdates;
  /** The plans as they are read (lists with progress, one commitment). */
  plansView: CitizenPlans;
  areas: Areas;
  templates: Templates;
  lifecycle: Lifecycle;
  photos: Photos;
  municipalities: Municipalities;
  reports: ReportRepository;
  cards: CardRepository;
  prompts: PromptRepository;
  events: EventRepository;
  /** The data requests (ARCO) still waiting for a person: a line of the daily digest. */
  dataRights?: Pick<DataRights, "pending">;
  /** Only `get`: whether a day's digest was already queued. */
  outbox: Pick<OutboxRepository, "get">;
  delivery: Delivery;
  texts: Texts;
  /** The groups' language: the deployment's default. */
  lang: Language;
  /** Folios read back from what members type. */
  folioDigits: number;
  /** The deployment's time zone (the digest's day and hour). */
  timeZone: string;
  /** Hour of the daily digest (0-23), or null for none. */
  digestHour: number | null;
  clock: Clock;
  logger: Logger;
  pseudonym: Pseudonymizer;
}
