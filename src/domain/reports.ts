/** Reports (problemas públicos): creation with a unique folio, and what a citizen may see of them. */
import { createHash, randomUUID } from "node:crypto";
import type { CounterRepository, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { daysBefore } from "../util/clock.js";
import { stripControl } from "../util/text.js";
import type { Categories } from "./categories.js";
import { folioWithoutLetters, formatFolio, parseFolio } from "./folio.js";
import { MEDIA_ID } from "./model/media.js";
import { distanceMeters, type GeoPoint, type Report } from "./model/report.js";
import type { Municipalities } from "./municipalities.js";
import { roundedPoint } from "./open-data.js";
import type { Lifecycle } from "./statuses.js";

export const DESCRIPTION_MIN = 10;
export const DESCRIPTION_MAX = 1000;
export const ADDRESS_MAX = 200;
export const MAX_PHOTOS = 3;

/**
 * Open reports offered before a new one is filed: of the same category, within `meters` of a shared
 * location (else in the same municipality), filed in the last `days`; at most `shown`.
 */
export const NEARBY = { meters: 150, days: 60, shown: 3 } as const;
/** How far a place rounded as open data rounds it (roundedPoint) can be from the place itself: half a cell's diagonal, and some. */
const ROUNDING_SLACK_M = 80;
/** Reports read per one shown near a point: those farther than NEARBY.meters from their rounded place are dropped after. */
const NEARBY_CANDIDATES = 4;

/** An open report that may be the same problem, and how far it is when a location was shared. */
export interface NearbyReport {
  report: Report;
  meters: number | null;
}

/** What a citizen's conversation gives to create a report; the rest is decided here. */
export type NewReport = Pick<Report, "municipality" | "category" | "description" | "location" | "photos" | "channel" | "anonymous" | "language"> & {
  /** The place as typed; absent or null when none was. */
  address?: string | null;
  /** The reporting citizen; dropped when the report is anonymous. */
  citizenId: string;
};

export class ReportError extends Error {}

/**
 * A report's id derived from a key that is the same every time one answer is tried again (the
 * inbound message the citizen answered, keyed with the data secret by the conversations): a retry
 * after a failure, or the citizen pressing "send" again, finds the report the first attempt saved
 * instead of filing a second one. A hash, shaped like a UUID: nothing in it leads back to the key.
 */
export function reportIdFor(key: string): string {
  const h = createHash("sha256").update(`report:${key}`).digest("hex");
  const variant = (8 | (Number.parseInt(h[16], 16) & 3)).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** How folios look and which calendar numbers them (config/deployment.yaml). */
export interface FolioFormat {
  timeZone: string;
  digits: number;
}

export function isValidPoint(p: GeoPoint | null): boolean {
  return p === null || (Number.isFinite(p.latitude) && Number.isFinite(p.longitude) && Math.abs(p.latitude) <= 90 && Math.abs(p.longitude) <= 180);
}

export class Reports {
  constructor(
    private readonly repo: ReportRepository,
    private readonly counters: CounterRepository,
    private readonly municipalities: Municipalities,
    private readonly categories: Categories,
    private readonly clock: Clock,
    private readonly folio: FolioFormat,
    private readonly lifecycle: Lifecycle,
  ) {
    this.yearFormat = new Intl.DateTimeFormat("en", { timeZone: folio.timeZone, year: "numeric" });
  }

  /** Folios are numbered per municipality and calendar year in the deployment's time zone. */
  private readonly yearFormat: Intl.DateTimeFormat;

  /** Files a report, or gives back the one already filed under `id` (a retry). */
  /** `earlier`: ids the same report may have been saved under before (another derivation of the same key), looked up too. */
  async create(input: NewReport, id: string = randomUUID(), earlier: readonly string[] = []): Promise<Report> {
    const municipality = this.municipalities.get(input.municipality);
    if (!municipality) throw new ReportError("unknown municipality");
    if (!this.categories.isValid(municipality.cvegeo, input.category)) throw new ReportError("unknown category");
    const description = stripControl(input.description).trim();
    if (description.length < DESCRIPTION_MIN || description.length > DESCRIPTION_MAX) throw new ReportError("description length");
    if (!isValidPoint(input.location)) throw new ReportError("invalid location");
    const address = input.address ? stripControl(input.address).trim().slice(0, ADDRESS_MAX) || null : null;
    if (input.photos.length > MAX_PHOTOS || input.photos.some((p) => !MEDIA_ID.test(p))) throw new ReportError("invalid photos");
    // Looked up before a folio number is taken: a retry neither files it twice nor spends a number.
    for (const known of [id, ...earlier]) {
      const filed = await this.repo.byId(known);
      if (filed) return filed;
    }

    const now = this.clock.now();
    const year = Number(this.yearFormat.format(now));
    const seq = await this.counters.next(`folio:${municipality.cvegeo}:${year}`);
    const report: Report = {
      id,
      folio: formatFolio(municipality.folioPrefix, year, seq, this.folio.digits),
      municipality: municipality.cvegeo,
      category: input.category,
      description,
      location: input.location,
      address,
      photos: input.photos,
      channel: input.channel,
      // Anonymous means anonymous: nothing in the report leads back to the citizen.
      citizenId: input.anonymous ? null : input.citizenId,
      anonymous: input.anonymous,
      contactable: !input.anonymous,
      language: input.language,
      status: this.lifecycle.initial,
      history: [{ status: this.lifecycle.initial, at: now, by: "system", note: null, kind: "status", area: null, version: 1 }],
      area: null,
      duplicateOf: null,
      notes: [],
      followers: 0,
      version: 1,
      // A new report sets things off too: its card in the secretariat's group.
      dispatched: 0,
      dispatchPending: true,
      createdAt: now,
      updatedAt: now,
    };
    await this.repo.insert(report);
    return report;
  }

  /** A report by a folio as typed by a citizen ("met 2026 12" works). */
  async findByFolio(text: string): Promise<Report | null> {
    const folio = parseFolio(text, this.folio.digits);
    return folio ? this.repo.byFolio(folio) : null;
  }

  /**
   * A folio typed without the municipality's letters («2026-000001»): the one of `candidates` (the citizen's
   * own reports) with that year and number, when just one has them; null when none or several do; undefined
   * when the text is no such folio.
   */
  withoutLetters(text: string, candidates: readonly Report[]): Report | null | undefined {
    const tail = folioWithoutLetters(text, this.folio.digits);
    if (!tail) return undefined;
    const matching = candidates.filter((r) => r.folio.endsWith(`-${tail}`));
    return matching.length === 1 ? matching[0] : null;
  }

  /**
   * Open reports of the same category that may be the problem a citizen is about to report (NEARBY):
   * nearest first near a shared location, whatever the municipality; newest first in the municipality otherwise.
   */
  async nearby(where: { municipality: string; category: string; location: GeoPoint | null }): Promise<NearbyReport[]> {
    const since = daysBefore(this.clock.now(), NEARBY.days);
    const statuses = this.lifecycle.open;
    const point = where.location && isValidPoint(where.location) ? where.location : null;
    if (!point) {
      const found = await this.repo.nearby({ category: where.category, statuses, since, where: { municipality: where.municipality }, limit: NEARBY.shown });
      return found.map((report) => ({ report, meters: null }));
    }
    // Near a point, measured to each report's place as open data publishes it (about 100 m, roundedPoint),
    // never to the point its citizen shared: sharing places one after another and reading the distances
    // would otherwise find the door of an anonymous report. What this says, open data already says.
    const found = await this.repo.nearby({
      category: where.category,
      statuses,
      since,
      where: { point, meters: NEARBY.meters + ROUNDING_SLACK_M },
      limit: NEARBY.shown * NEARBY_CANDIDATES,
    });
    return found
      .flatMap((report) => (report.location ? [{ report, meters: distanceMeters(point, roundedPoint(report.location)) }] : []))
      .filter((r) => r.meters <= NEARBY.meters)
      .sort((a, b) => a.meters - b.meters)
      .slice(0, NEARBY.shown);
  }

  /** A report by its id. */
  byId(id: string): Promise<Report | null> {
    return this.repo.byId(id);
  }

  listForCitizen(citizenId: string, limit = 5): Promise<Report[]> {
    return this.repo.byCitizen(citizenId, limit);
  }
}
