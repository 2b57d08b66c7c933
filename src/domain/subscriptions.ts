/**
 * Citizens subscribed to the announcements of municipalities ("Avisos de mi municipio"): on any
 * channel, to one or more municipalities, each recorded with the consent it was given under and its
 * time. "baja" drops them all, and so does a platform that says the citizen blocked the bot.
 */
import type { EventRepository, SubscriptionRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { Subscription } from "./model/announcement.js";
import type { ChannelName } from "./model/channel.js";
import type { Citizen } from "./model/citizen.js";
import { citizenId } from "./model/citizen.js";
import { recordEvent } from "./model/events.js";

export type SubscribeOutcome = "subscribed" | "already" | "no_consent";

export class Subscriptions {
  constructor(
    private readonly repo: SubscriptionRepository,
    private readonly events: EventRepository,
    private readonly clock: Clock,
  ) {}

  /** Subscribes a citizen who accepted the privacy notice; the consent is kept with the subscription. */
  async subscribe(citizen: Pick<Citizen, "id" | "consent">, municipality: string): Promise<SubscribeOutcome> {
    if (!citizen.consent) return "no_consent";
    const added = await this.repo.add({ citizen: citizen.id, municipality, since: this.clock.now(), consent: citizen.consent });
    return added ? "subscribed" : "already";
  }

  unsubscribe(citizen: string, municipality: string): Promise<boolean> {
    return this.repo.remove(citizen, municipality);
  }

  of(citizen: string): Promise<Subscription[]> {
    return this.repo.forCitizen(citizen);
  }

  forMunicipality(municipality: string): Promise<Subscription[]> {
    return this.repo.forMunicipality(municipality);
  }

  /** "baja": no announcements of any municipality; resolves with how many subscriptions went. */
  stopAll(citizen: string): Promise<number> {
    return this.repo.dropCitizen(citizen);
  }

  /**
   * The platform refused a message for good (the citizen blocked the bot, the chat is gone): their
   * subscriptions go, recorded in the audit trail. Resolves with how many went.
   */
  async blocked(channel: ChannelName, chatId: string): Promise<number> {
    const citizen = citizenId(channel, chatId);
    const dropped = await this.repo.dropCitizen(citizen);
    if (dropped > 0) {
      const now = this.clock.now();
      await this.events.append([
        recordEvent(
          { type: "announcements_unsubscribed", citizen, municipality: null, reason: "blocked" },
          `blocked:${citizen}:${now.getTime()}`,
          now,
          "system",
        ),
      ]);
    }
    return dropped;
  }
}
