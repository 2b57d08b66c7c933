/** Report cards, the bot's questions in groups, and handoffs on the embedded store. */
import type { GroupPrompt, ReportCard } from "../../domain/model/card.js";
import type { Handoff } from "../../domain/model/handoff.js";
import type { CardRepository, HandoffRepository, PromptRepository } from "../ports.js";
import { type Collection, findMany, fromDoc } from "./collection.js";

export class EmbeddedCards implements CardRepository {
  constructor(private readonly db: Collection) {}

  async get(report: string): Promise<ReportCard | null> {
    return fromDoc<ReportCard>(await this.db.findOneAsync({ _id: String(report) }));
  }

  async save(card: ReportCard): Promise<void> {
    await this.db.updateAsync({ _id: card.report }, { _id: card.report, ...card }, { upsert: true });
  }
}

const promptKey = (chatId: string, messageId: number) => `${String(chatId)}:${Number(messageId)}`;

export class EmbeddedPrompts implements PromptRepository {
  constructor(private readonly db: Collection) {}

  async save(prompt: GroupPrompt): Promise<void> {
    const _id = promptKey(prompt.chatId, prompt.messageId);
    await this.db.updateAsync({ _id }, { _id, ...prompt }, { upsert: true });
  }

  async get(chatId: string, messageId: number): Promise<GroupPrompt | null> {
    return fromDoc<GroupPrompt>(await this.db.findOneAsync({ _id: promptKey(chatId, messageId) }));
  }

  async remove(chatId: string, messageId: number): Promise<boolean> {
    return (await this.db.removeAsync({ _id: promptKey(chatId, messageId) }, {})) === 1;
  }
}

export class EmbeddedHandoffs implements HandoffRepository {
  constructor(private readonly db: Collection) {}

  async get(id: string): Promise<Handoff | null> {
    return fromDoc<Handoff>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async openFor(citizen: string): Promise<Handoff | null> {
    return fromDoc<Handoff>(await this.db.findOneAsync({ citizen: String(citizen), state: "open" }));
  }

  async save(handoff: Handoff): Promise<void> {
    await this.db.updateAsync({ _id: handoff.id }, { _id: handoff.id, ...handoff }, { upsert: true });
  }

  async forCitizen(citizen: string): Promise<Handoff[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ citizen: String(citizen) }).sort({ openedAt: 1 }));
    return docs.map((d) => fromDoc<Handoff>(d) as Handoff);
  }

  async dropCitizen(citizen: string): Promise<number> {
    return this.db.removeAsync({ citizen: String(citizen) }, { multi: true });
  }
}
