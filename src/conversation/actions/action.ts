/**
 * Actions: the named domain operations a flow may call (`type: action`). Each validates its
 * arguments with zod (they come from what citizens typed) and returns plain data for the flow.
 */
import type { z } from "zod";
import type { Citizen } from "../../domain/model/citizen.js";
import type { DomainEvent } from "../../domain/model/events.js";
import type { Language } from "../../locale/languages.js";
import type { Json } from "../../util/json.js";

export interface ActionContext {
  /** The citizen as things stand in this turn (events emitted so far applied). */
  citizen: Readonly<Citizen>;
  lang: Language;
  /** Tells what happened: the conversation layer applies it (a consent is kept on the citizen) and records it in the audit trail. */
  emit(event: DomainEvent): void;
  /**
   * The inbound id of the message whose saved step this message answers, keyed (a hash with the data
   * secret: nothing a conversation keeps leads to it): the same when the answer is tried again after a
   * failure or sent again by the citizen, so an action that creates something can find what an earlier
   * attempt created.
   */
  answering: string;
  /**
   * The same id as 0.6.10 and earlier used it, unkeyed: what an action created for the message then is
   * found by it too (a retry across the upgrade, or an older process of a rolling deploy). Only looked up;
   * to be dropped once no message of those versions can come back (their claims last a week): in 0.7.
   */
  answeringUnkeyed: string;
}

export interface Action<S extends z.ZodType = z.ZodType> {
  name: string;
  args: S;
  run(args: z.infer<S>, ctx: ActionContext): Promise<Json>;
}

export function defineAction<S extends z.ZodType>(action: Action<S>): Action {
  return action as unknown as Action;
}

/** Argument schemas shared by several actions. */
export type { z };
