/** The domain services actions are built from. */

import type { Announcements } from "../../domain/announcements.js";
import type { Areas } from "../../domain/areas.js";
import type { Categories } from "../../domain/categories.js";
import type { Citizens } from "../../domain/citizens.js";
import type { DataExportLinks } from "../../domain/data-export.js";
import type { DataRights } from "../../domain/data-rights.js";
import type { FolioLookups } from "../../domain/folio-lookups.js";
import type { Following } from "../../domain/following.js";
import type { Handoffs } from "../../domain/handoffs.js";
import type { CalendarDate } from "../../domain/model/plan.js";
import type { Report } from "../../domain/model/report.js";
import type { Municipalities } from "../../domain/municipalities.js";
import type { Photos } from "../../domain/photos.js";
import type { CitizenPlans } from "../../domain/plan/citizen-plans.js";
import type { PublicReport } from "../../domain/public-report.js";
import type { ReportReplies } from "../../domain/report-replies.js";
import type { Reports } from "../../domain/reports.js";
import type { Resolution } from "../../domain/resolution.js";
import type { Subscriptions } from "../../domain/subscriptions.js";
import type { Texts } from "../../locale/texts.js";

export interface Services {
  citizens: Citizens;
  reports: Reports;
  photos: Photos;
  municipalities: Municipalities;
  categories: Categories;
  texts: Texts;
  /** Conversations with a person of the secretariat ("hablar"). */
  handoffs: Handoffs;
  /** The plans as citizens see and follow them. */
  plans: CitizenPlans;
  /** Citizens subscribed to municipalities' announcements. */
  subscriptions: Subscriptions;
  /** The announcements themselves: the newest one sent is read to whoever subscribes. */
  announcements: Pick<Announcements, "latestSent">;
  /** Today in the deployment's time zone (a milestone past its date is late). */
  today: () => CalendarDate;
  /** The deployment's time zone: the day of a moment, as a citizen there says it. */
  timeZone: string;
  privacyVersion: string;
  following: Following;
  resolution: Resolution;
  /** The author's reply to the secretariat's public answer. */
  replies: ReportReplies;
  areas: Areas;
  /** How many folios not theirs a conversation may look up in an hour. */
  folioLookups: FolioLookups;
  /** "mis datos": what is held about a citizen, their requests, deleting it. */
  dataRights: DataRights;
  /** Links to the file of a citizen's data. */
  exportLinks: DataExportLinks;
  /** Where citizens reach the HTTP server (the file's link). */
  publicUrl: string;
  /** Days of silence after which a report never sent is forgotten (DRAFT_DAYS). */
  draftDays: number;
  /** Days of silence after which a conversation is deleted whole (CONVERSATION_DAYS). */
  conversationDays: number;
  /** What anyone holding its folio may see of a report. */
  publicReport(report: Report): PublicReport;
}
