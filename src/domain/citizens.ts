/** Citizens: who writes from which chat, their language and their consent to the privacy notice. */

import type { Language } from "../locale/languages.js";
import type { CitizenRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { ChannelName } from "./model/channel.js";
import type { Citizen } from "./model/citizen.js";
import { citizenId } from "./model/citizen.js";

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

  async setLanguage(citizen: Citizen, language: Language): Promise<Citizen> {
    if (citizen.language === language) return citizen;
    const updated = { ...citizen, language, updatedAt: this.clock.now() };
    if (this.unsaved.has(citizen)) this.unsaved.add(updated);
    else await this.repo.save(updated);
    return updated;
  }

  async recordConsent(citizen: Citizen, version: string): Promise<Citizen> {
    const now = this.clock.now();
    const updated = { ...citizen, consent: { version, at: now }, updatedAt: now };
    await this.repo.save(updated);
    return updated;
  }

  hasConsented(citizen: Citizen, version: string): boolean {
    return citizen.consent?.version === version;
  }
}
