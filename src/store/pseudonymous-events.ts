/**
 * The audit trail names citizens by a pseudonym, never by their chat id (a WhatsApp id is a phone
 * number): a keyed HMAC of `channel:chatId` with the data secret (data-secret.ts). Whoever holds the
 * chat id — "mis datos", in the citizen's own conversation — computes the same pseudonym to show and
 * erase their entries; whoever reads the trail learns nobody. Wraps any store's EventRepository, so
 * every writer of the trail goes through it.
 */
import { createHmac } from "node:crypto";
import type { RecordedEvent } from "../domain/model/events.js";
import type { EventRepository } from "./ports.js";

/** How a pseudonym starts: a citizen id always starts with its channel's name, so the two never mix. */
export const PSEUDONYM_PREFIX = "p:";

export type CitizenPseudonym = (id: string) => string;

/** The pseudonym of a citizen id (a pseudonym stays as it is, so applying it twice changes nothing). */
export function citizenPseudonym(secret: string): CitizenPseudonym {
  return (id) =>
    id.startsWith(PSEUDONYM_PREFIX) ? id : `${PSEUDONYM_PREFIX}${createHmac("sha256", secret).update(`audit-trail|${id}`).digest("base64url").slice(0, 22)}`;
}

/** An entry with its citizen — the lifted field and the event's own copy — as a pseudonym. */
export function pseudonymous(event: RecordedEvent, pseudonym: CitizenPseudonym): RecordedEvent {
  const own = event.data.citizen;
  return {
    ...event,
    citizen: event.citizen ? pseudonym(event.citizen) : event.citizen,
    data: typeof own === "string" && own ? { ...event.data, citizen: pseudonym(own) } : event.data,
  };
}

export class PseudonymousEvents implements EventRepository {
  /** Entries written before the trail named citizens by pseudonym, being converted (once): every call waits for it. */
  private converting: Promise<number> | null = null;

  constructor(
    private readonly inner: EventRepository,
    private readonly pseudonym: CitizenPseudonym,
  ) {}

  /**
   * Converts the entries written before the trail named citizens by pseudonym, once (the first call
   * to the trail does it if start-up has not yet: `App.finishStarting`); how many were.
   */
  convert(): Promise<number> {
    this.converting ??= this.inner.pseudonymizeCitizens(this.pseudonym);
    return this.converting;
  }

  async append(events: RecordedEvent[]): Promise<void> {
    await this.convert();
    return this.inner.append(events.map((e) => pseudonymous(e, this.pseudonym)));
  }

  async list(filter: Parameters<EventRepository["list"]>[0], limit: number): Promise<RecordedEvent[]> {
    await this.convert();
    return this.inner.list(filter.citizen === undefined ? filter : { ...filter, citizen: this.pseudonym(filter.citizen) }, limit);
  }

  async forgetCitizen(citizen: string): Promise<number> {
    await this.convert();
    return this.inner.forgetCitizen(this.pseudonym(citizen));
  }

  async pseudonymizeCitizens(pseudonym: CitizenPseudonym = this.pseudonym): Promise<number> {
    await this.convert();
    return this.inner.pseudonymizeCitizens(pseudonym);
  }
}
