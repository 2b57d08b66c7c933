/** Citizens: who writes from which chat, their language and their consent to the privacy notice. */

import type { Language } from "../locale/languages.js";
import type { CitizenRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { ChannelName } from "./model/channel.js";
import type { Citizen } from "./model/citizen.js";
import { citizenId } from "./model/citizen.js";
import type { DomainEvent } from "./model/events.js";

/**
 * A citizen is stored only once there is a reason to keep them: consent to the privacy notice (a
 * report always comes after it). A visitor who only says hello leaves no citizen record; their
 * language lives in the conversation meanwhile.
 */
export class Citizens {
  /** Citizens handed out but not stored: nothing about them is written until they consent. */
  private readonly unsaved = new WeakSet<Citizen>();

  constructor(
    private readonly repo: CitizenRepository,
    private readonly clock: Clock,
  ) {}

  /** The stored citizen of this chat, or a new one that is not stored yet. */
  async forChat(channel: ChannelName, chatId: string, language: Language): Promise<Citizen> {
    const id = citizenId(channel, chatId);
    const existing = await this.repo.get(id);
    if (existing) return existing;
    const now = this.clock.now();
    const citizen: Citizen = { id, channel, chatId, language, consent: null, createdAt: now, updatedAt: now };
    this.unsaved.add(citizen);
    return citizen;
  }

  /** What the events say of this citizen, without keeping anything yet. */
  applied(citizen: Citizen, events: readonly DomainEvent[]): Citizen {
    let next = citizen;
    for (const e of events) {
      if (e.type === "consent_recorded" && e.citizen === citizen.id) next = { ...next, consent: { version: e.version, at: this.clock.now() } };
      if (e.type === "language_changed" && e.citizen === citizen.id) next = { ...next, language: e.language };
      if (e.type === "municipality_corrected" && e.citizen === citizen.id) next = { ...next, municipality: e.municipality };
      if (e.type === "notices_stopped" && e.citizen === citizen.id) next = { ...next, noticesStoppedAt: this.clock.now() };
    }
    if (next === citizen) return citizen;
    next = { ...next, updatedAt: this.clock.now() };
    if (this.unsaved.has(citizen)) this.unsaved.add(next);
    return next;
  }

  /**
   * Keeps what changed of a citizen: always once stored, or from their consent on. A visitor
   * who has not consented stays unstored whatever they change (their language lives in the conversation).
   */
  async keep(before: Citizen, after: Citizen): Promise<void> {
    if (after === before) return;
    if (this.unsaved.has(after) && !after.consent) return;
    await this.repo.save(after);
    this.unsaved.delete(after);
  }

  /**
   * Whether this citizen, as `forChat` handed it out (or `applied` made from it), is stored: one made up for
   * a chat without a record is not. Says nothing of a record removed since it was read.
   */
  isStored(citizen: Citizen): boolean {
    return !this.unsaved.has(citizen);
  }

  /**
   * Stores a citizen who consented in this very turn now, not at its end (`keep`): before a follow names
   * them (following a commitment is asked in the turn that records the consent). A follow without its
   * citizen's record would hear nothing (`notified`), should the turn fail after the follow is written.
   */
  async store(citizen: Citizen): Promise<void> {
    if (!this.unsaved.has(citizen) || !citizen.consent) return;
    await this.repo.save(citizen);
    this.unsaved.delete(citizen);
  }

  hasConsented(citizen: Citizen, version: string): boolean {
    return citizen.consent?.version === version;
  }
}
