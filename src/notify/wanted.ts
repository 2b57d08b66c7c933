/**
 * Whether a message the bot sends on its own initiative still goes, asked by the outbox worker right
 * before it does (`Delivery`'s `wanted`). Its rows are written before they are sent — an
 * announcement's over seconds, and sent over minutes at the platform's pace; a notice may wait for the
 * citizen to write again — and what the citizen did meanwhile counts: whoever unsubscribed, said
 * "baja" or erased their data since gets nothing of an announcement, and whoever said "baja" or erased
 * their data nothing of a notice. An erasure drops the chat's rows; a notice a dispatcher wrote in the
 * instant after it, from what it had read before, is caught here: no record, no notice (`notified`).
 */
import type { Announcements } from "../domain/announcements.js";
import { citizenId, notified } from "../domain/model/citizen.js";
import type { CitizenRepository, UnsentOutboxItem } from "../store/ports.js";

export interface WantedDeps {
  announcements: Pick<Announcements, "stillFor">;
  citizens: Pick<CitizenRepository, "get">;
}

export function stillWanted(deps: WantedDeps): (item: UnsentOutboxItem) => Promise<boolean> {
  return async (item) => {
    switch (item.kind) {
      case "announcement":
        return item.ref !== null && (await deps.announcements.stillFor(item.ref, item));
      // A notice of a report's or a commitment's change, and the question asked with it: not after a
      // "baja" said since it was written, nor once the citizen's data is erased (no record).
      case "notice":
        return notified(await deps.citizens.get(citizenId(item.channel, item.chatId)), item.createdAt);
      default:
        return true;
    }
  };
}
