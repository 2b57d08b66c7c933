/**
 * What a button in a secretariat group carries (Telegram's callback_data, at most 64 bytes): the
 * report's folio and the version the member saw, so a press on an outdated card is refused; and
 * for a status or an office, its id (or a short hash of a long one).
 *
 *   s|MET-2026-000001|3|en_revision   move to a status           o|…|3|obras_publicas  channel to an office
 *   r|MET-2026-000001|3               answer the citizen         n|…|3                 internal note
 *   b|MET-2026-000001|3               back to the card's buttons h|<handoff id>          close a conversation
 *   l|MET-2026-000001|3               link to a commitment…      lk|…|3|2              … to commitment 2
 *   p|MET-2026-000001|3               publish its public text (open data)
 *
 * and on the plan's commitments (`/compromisos`), the commitment and the version the member saw:
 *
 *   kl|15054                          the municipality's list    k|15054-3|4           one commitment
 *   kd|15054-3|4|2                    milestone 2 done           km|15054-3|4|2        move milestone 2's date
 *   ki|15054-3|4|1                    update indicator 1
 */
import { createHash } from "node:crypto";

export type Press =
  | { kind: "status"; folio: string; version: number; token: string }
  | { kind: "office"; folio: string; version: number; token: string }
  | { kind: "link_to"; folio: string; version: number; token: string }
  | { kind: "answer" | "note" | "back" | "link" | "publish"; folio: string; version: number }
  | { kind: "close_handoff"; handoff: string }
  | { kind: "commitments"; municipality: string }
  | { kind: "commitment"; commitment: string; version: number }
  | { kind: "milestone_done" | "milestone_move" | "indicator"; commitment: string; version: number; item: number };

export type CommitmentPress = Exclude<Press, { folio: string } | { kind: "close_handoff" }>;

const CODES = { status: "s", office: "o", answer: "r", note: "n", back: "b", link: "l", link_to: "lk", publish: "p" } as const;
const KINDS = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<string, keyof typeof CODES>;
const FOLIO = /^[A-Z]{3}-\d{4}-\d{1,9}$/;
const COMMITMENT = /^\d{5}-\d{1,3}$/;
const COMMITMENT_CODES = { milestone_done: "kd", milestone_move: "km", indicator: "ki" } as const;
const COMMITMENT_KINDS = Object.fromEntries(Object.entries(COMMITMENT_CODES).map(([k, v]) => [v, k])) as Record<string, keyof typeof COMMITMENT_CODES>;
const NUMBER = /^\d{1,9}$/;

/** A status or office id as a button carries it: itself when short, else a hash that still tells it apart. */
export function token(id: string): string {
  return id.length <= 20 ? id : createHash("sha256").update(id).digest("base64url").slice(0, 12);
}

/** The id among `ids` a token stands for. */
export function fromToken<T extends string>(ids: readonly T[], value: string): T | undefined {
  return ids.find((id) => token(id) === value);
}

export function pressData(press: Press): string {
  if (press.kind === "close_handoff") return `h|${press.handoff}`;
  if (press.kind === "commitments") return `kl|${press.municipality}`;
  if (press.kind === "commitment") return `k|${press.commitment}|${press.version}`;
  if ("commitment" in press) return `${COMMITMENT_CODES[press.kind]}|${press.commitment}|${press.version}|${press.item}`;
  const base = `${CODES[press.kind]}|${press.folio}|${press.version}`;
  return "token" in press ? `${base}|${press.token}` : base;
}

/** The press a button's data stands for, or undefined for anything else (an old format, a forgery). */
export function readPress(data: string): Press | undefined {
  const parts = data.split("|");
  if (parts[0] === "h" && parts.length === 2 && /^[0-9a-f-]{36}$/.test(parts[1])) return { kind: "close_handoff", handoff: parts[1] };
  if (parts[0] === "kl") return parts.length === 2 && /^\d{5}$/.test(parts[1]) ? { kind: "commitments", municipality: parts[1] } : undefined;
  if (parts[0] === "k" || COMMITMENT_KINDS[parts[0]]) {
    if (!COMMITMENT.test(parts[1] ?? "") || !NUMBER.test(parts[2] ?? "")) return undefined;
    const [commitment, version] = [parts[1], Number(parts[2])];
    if (parts[0] === "k") return parts.length === 3 ? { kind: "commitment", commitment, version } : undefined;
    return parts.length === 4 && NUMBER.test(parts[3]) ? { kind: COMMITMENT_KINDS[parts[0]], commitment, version, item: Number(parts[3]) } : undefined;
  }
  const kind = KINDS[parts[0]];
  if (!kind || !FOLIO.test(parts[1] ?? "") || !/^\d{1,9}$/.test(parts[2] ?? "")) return undefined;
  const folio = parts[1];
  const version = Number(parts[2]);
  if (kind === "status" || kind === "office" || kind === "link_to")
    return parts.length === 4 && parts[3] ? { kind, folio, version, token: parts[3] } : undefined;
  return parts.length === 3 ? { kind, folio, version } : undefined;
}
