/**
 * "hablar": a citizen asks for a person. The conversation is relayed to the secretariat group of
 * their municipality (a card there, then each of their messages); what a member answers reaches
 * the citizen through the bot, until a member closes it or the citizen leaves (menú, cancelar).
 * The group never learns who the citizen is: it sees a code (H-3F2A9C), the channel and the language.
 *
 * Where the secretariat reads and answers is a port (`HandoffRelay`, the Telegram group today), set
 * once that face is up; without one nobody can be reached and `request` says so.
 */
import { randomUUID } from "node:crypto";
import type { Language } from "../locale/languages.js";
import type { EventRepository, HandoffRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { LinkedChats } from "./chats.js";
import { recordEvent } from "./model/events.js";
import type { Handoff } from "./model/handoff.js";
import { actsOn, type Member } from "./model/member.js";

/** Where the secretariat sees a conversation with a citizen. */
export interface HandoffRelay {
  /** Posts the conversation's card (again, when `resumed`); resolves with its message id. */
  opened(handoff: Handoff, resumed: boolean): Promise<number>;
  /** Posts one message of the citizen. */
  said(handoff: Handoff, text: string): Promise<void>;
  /** Tells the group the conversation ended (`by` closed it). */
  closed(handoff: Handoff, by: "citizen" | Member): Promise<void>;
}

export type HandoffRequest = { ok: true; handoff: Handoff; resumed: boolean } | { ok: false; reason: "no_group" };

export type HandoffProblem = "not_found" | "not_allowed" | "closed";
export type HandoffResult = { ok: true; handoff: Handoff } | { ok: false; problem: HandoffProblem; handoff?: Handoff };

export class Handoffs {
  private relay?: HandoffRelay;

  constructor(
    private readonly repo: HandoffRepository,
    private readonly chats: LinkedChats,
    private readonly events: EventRepository,
    private readonly clock: Clock,
  ) {}

  /** The secretariat's face (the Telegram group) says how it shows conversations. */
  setRelay(relay: HandoffRelay): void {
    this.relay = relay;
  }

  /** Whether any municipality's secretariat can be talked to now: a group linked without a problem, and a face to show it. */
  async anyReachable(): Promise<boolean> {
    if (!this.relay) return false;
    return (await this.chats.list("secretariat")).some((chat) => chat.problem === null);
  }

  /**
   * Opens the citizen's conversation with the secretariat of `municipality`, or finds the one already
   * open there (its card is posted again). One open at a time: an open one elsewhere is closed first.
   */
  async request(citizen: string, municipality: string, lang: Language): Promise<HandoffRequest> {
    const relay = this.relay;
    const group = await this.chats.secretariatOf(municipality);
    if (!relay || !group || group.problem) return { ok: false, reason: "no_group" };
    const existing = await this.repo.openFor(citizen);
    if (existing && existing.municipality === municipality && existing.chatId === group.chatId) {
      const messageId = await relay.opened(existing, existing.messageId !== null);
      const resumed = { ...existing, lang, messageId };
      await this.repo.save(resumed);
      return { ok: true, handoff: resumed, resumed: existing.messageId !== null };
    }
    if (existing) await this.close(existing, "citizen");
    const handoff: Handoff = {
      id: randomUUID(),
      citizen,
      municipality,
      chatId: group.chatId,
      messageId: null,
      lang,
      state: "open",
      openedAt: this.clock.now(),
      closedAt: null,
      closedBy: null,
    };
    // Saved before its card is posted: a failure in between leaves it open, and asking again posts the card.
    await this.repo.save(handoff);
    const opened = { ...handoff, messageId: await relay.opened(handoff, false) };
    await this.repo.save(opened);
    return { ok: true, handoff: opened, resumed: false };
  }

  /**
   * Relays a message of the citizen; false when they have no open conversation (a member closed it).
   * At least once: a message processed again after a crash right after relaying it arrives twice.
   */
  async say(citizen: string, text: string): Promise<boolean> {
    const handoff = await this.repo.openFor(citizen);
    if (!handoff || !this.relay) return false;
    await this.relay.said(handoff, text);
    return true;
  }

  /** The citizen leaves; resolves with the conversation that was open, if any. */
  async leave(citizen: string): Promise<Handoff | null> {
    const handoff = await this.repo.openFor(citizen);
    if (!handoff) return null;
    return this.close(handoff, "citizen");
  }

  /** A member answers: allowed for members of its municipality while it is open. The audit trail records it (never the text). */
  async reply(id: string, by: Member, eventId: string): Promise<HandoffResult> {
    const handoff = await this.repo.get(id);
    const refused = this.refuse(handoff, by);
    if (refused || !handoff) return refused ?? { ok: false, problem: "not_found" };
    await this.events.append([
      recordEvent({ type: "handoff_replied", handoff: handoff.id, municipality: handoff.municipality }, eventId, this.clock.now(), by.id),
    ]);
    return { ok: true, handoff };
  }

  /** A member closes the conversation. */
  async closeBy(id: string, by: Member): Promise<HandoffResult> {
    const handoff = await this.repo.get(id);
    const refused = this.refuse(handoff, by);
    if (refused || !handoff) return refused ?? { ok: false, problem: "not_found" };
    return { ok: true, handoff: await this.close(handoff, by) };
  }

  get(id: string): Promise<Handoff | null> {
    return this.repo.get(id);
  }

  private refuse(handoff: Handoff | null, by: Member): HandoffResult | undefined {
    if (!handoff) return { ok: false, problem: "not_found" };
    if (!actsOn(by, handoff.municipality)) return { ok: false, problem: "not_allowed", handoff };
    if (handoff.state !== "open") return { ok: false, problem: "closed", handoff };
    return undefined;
  }

  private async close(handoff: Handoff, by: "citizen" | Member): Promise<Handoff> {
    const at = this.clock.now();
    const closed: Handoff = { ...handoff, state: "closed", closedAt: at, closedBy: by === "citizen" ? "citizen" : by.id };
    await this.repo.save(closed);
    if (by !== "citizen") {
      await this.events.append([
        recordEvent({ type: "handoff_closed", handoff: handoff.id, municipality: handoff.municipality, by: "member" }, `${handoff.id}:closed`, at, by.id),
      ]);
    }
    // The group hears of it; if it cannot now, the conversation is closed all the same.
    await this.relay?.closed(closed, by).catch(() => undefined);
    return closed;
  }
}
