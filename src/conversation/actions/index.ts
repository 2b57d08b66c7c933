/** Every action a flow may call, by name. Flows naming another action fail to load. */
import type { Action } from "./action.js";
import { announcementActions } from "./announcements.js";
import { commitmentActions } from "./commitments.js";
import { consentActions } from "./consent.js";
import { followingActions } from "./following.js";
import { handoffActions } from "./handoff.js";
import { municipalityActions } from "./municipality.js";
import { myDataActions } from "./my-data.js";
import { reportActions } from "./reports.js";
import type { Services } from "./services.js";

export type { Action, ActionContext } from "./action.js";
export type { Services } from "./services.js";

/** The names alone, known before services exist (flows are checked against them). */
export const ACTION_NAMES: ReadonlySet<string> = new Set([...createActions({} as Services).keys()]);

export function createActions(services: Services): Map<string, Action> {
  const all = [
    ...consentActions(services),
    ...municipalityActions(services),
    ...reportActions(services),
    ...handoffActions(services),
    ...followingActions(services),
    ...commitmentActions(services),
    ...announcementActions(services),
    ...myDataActions(services),
  ];
  return new Map(all.map((a) => [a.name, a]));
}
