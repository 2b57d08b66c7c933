/** A citizen following a report: told of its public changes on the channel they used. */

/**
 * "affected": said "a mí también me afecta" instead of filing the same problem again.
 * "anonymous_author": filed it anonymously but asked to hear back; the link lives here, apart from
 * the report, and is dropped when the report closes.
 */
export type FollowKind = "affected" | "anonymous_author";

export interface Follow {
  report: string;
  /** The citizen's id (`channel:chatId`). */
  citizen: string;
  kind: FollowKind;
  since: Date;
}
