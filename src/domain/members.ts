/**
 * The secretariats' members: added, listed and removed by an administrator; a member acts only on
 * their municipalities. Every refusal says what is wrong in one line.
 */
import { randomUUID } from "node:crypto";
import { DuplicateError, type MemberRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { ALL_MUNICIPALITIES, MEMBER_ROLES, type Member, type MemberRole } from "./model/member.js";
import type { Municipalities, Municipality } from "./municipalities.js";
import { generatePassword, hashPassword, PASSWORD_MIN, verifyPassword } from "./passwords.js";

export class MemberError extends Error {}

/** A well-formed hash no password matches in practice: checked against when the member is unknown. */
const UNKNOWN_HASH = `scrypt$16384$8$1$${"A".repeat(22)}$${"A".repeat(43)}`;

export type MunicipalityLookup =
  | { ok: true; municipality: Municipality }
  | { ok: false; problem: "unknown_key" | "unknown_name" | "ambiguous"; candidates: Municipality[] };

export interface NewMember {
  name: string;
  role: string;
  /** INEGI keys or names, or "all" (admins only). */
  municipalities: string[];
  telegramId?: string;
}

export class Members {
  constructor(
    private readonly repo: MemberRepository,
    private readonly municipalities: Municipalities,
    private readonly clock: Clock,
  ) {}

  /** A municipality by INEGI key or by name, with the same matching citizens get; or why there is none (the candidates when ambiguous). */
  findMunicipality(query: string): MunicipalityLookup {
    const text = query.trim();
    const byKey = this.municipalities.get(text);
    if (byKey) return { ok: true, municipality: byKey };
    if (/^\d+$/.test(text)) return { ok: false, problem: "unknown_key", candidates: [] };
    const found = this.municipalities.search(text);
    if (found.length === 1) return { ok: true, municipality: found[0] };
    return { ok: false, problem: found.length === 0 ? "unknown_name" : "ambiguous", candidates: found };
  }

  /** The same, as one line for the command line when it is unknown or ambiguous. */
  resolveMunicipality(query: string): Municipality {
    const text = query.trim();
    const found = this.findMunicipality(text);
    if (found.ok) return found.municipality;
    if (found.problem === "unknown_key") throw new MemberError(`unknown municipality key "${text}" (INEGI keys of this state look like 15054)`);
    if (found.problem === "unknown_name") throw new MemberError(`no municipality is called "${text}"`);
    throw new MemberError(`"${text}" could be ${found.candidates.map((m) => `${m.name} (${m.cvegeo})`).join(", ")}: use the INEGI key`);
  }

  async add(input: NewMember): Promise<Member> {
    const name = input.name.trim().replace(/\s+/g, " ");
    if (name.length < 2 || name.length > 200) throw new MemberError("a member needs a name (2 to 200 characters)");
    if (!MEMBER_ROLES.includes(input.role as MemberRole)) throw new MemberError(`unknown role "${input.role}" (roles: ${MEMBER_ROLES.join(", ")})`);
    const role = input.role as MemberRole;
    if (!input.municipalities.length) throw new MemberError("a member needs a municipality (--municipality, a key or a name)");
    const all = input.municipalities.some((m) => m.trim().toLowerCase() === "all");
    if (all && role !== "admin") throw new MemberError('only an admin may act on every municipality ("--municipality all")');
    const keys = all ? [ALL_MUNICIPALITIES] : [...new Set(input.municipalities.map((m) => this.resolveMunicipality(m).cvegeo))];
    const telegramId = input.telegramId?.trim();
    if (telegramId !== undefined && !/^[1-9]\d{0,19}$/.test(telegramId))
      throw new MemberError(`"${input.telegramId}" is not a Telegram user id (a positive number)`);
    if (telegramId && (await this.repo.byTelegramId(telegramId))) throw new MemberError(`a member with Telegram id ${telegramId} already exists`);
    const now = this.clock.now();
    const member: Member = { id: randomUUID(), name, role, municipalities: keys, telegramId: telegramId ?? null, createdAt: now, updatedAt: now };
    try {
      await this.repo.save(member);
    } catch (err) {
      if (err instanceof DuplicateError) throw new MemberError(`a member with Telegram id ${telegramId} already exists`);
      throw err;
    }
    return member;
  }

  list(municipality?: string): Promise<Member[]> {
    return this.repo.list(municipality === undefined ? undefined : this.resolveMunicipality(municipality).cvegeo);
  }

  byTelegramId(telegramId: string): Promise<Member | null> {
    return this.repo.byTelegramId(String(telegramId));
  }

  get(id: string): Promise<Member | null> {
    return this.repo.get(id);
  }

  /**
   * Sets the panel password of the member with this Telegram id: the one given (at least
   * PASSWORD_MIN characters) or a generated one. Resolves with the member and the password, shown once.
   */
  async setPassword(telegramId: string, password?: string): Promise<{ member: Member; password: string }> {
    const member = await this.repo.byTelegramId(String(telegramId).trim());
    if (!member) throw new MemberError(`no member has Telegram id ${telegramId}`);
    const chosen = password ?? generatePassword();
    if (chosen.length < PASSWORD_MIN || chosen.length > 200) throw new MemberError(`a password has ${PASSWORD_MIN} to 200 characters`);
    const updated = { ...member, passwordHash: await hashPassword(chosen), updatedAt: this.clock.now() };
    // The hash alone is written: a logout of the member meanwhile stays counted.
    if (!(await this.repo.setPasswordHash(member.id, updated.passwordHash, updated.updatedAt)))
      throw new MemberError(`no member has Telegram id ${telegramId}`);
    return { member: updated, password: chosen };
  }

  /** Ends every panel session of the member (they logged out): sessions signed before no longer hold. */
  async endSessions(id: string): Promise<void> {
    await this.repo.endSessions(id, this.clock.now());
  }

  /** The member who logs in to the panel with this Telegram id and password, or null (unknown, no password, wrong one). */
  async authenticate(telegramId: string, password: string): Promise<Member | null> {
    const id = String(telegramId).trim();
    if (!/^[1-9]\d{0,19}$/.test(id)) return null;
    const member = await this.repo.byTelegramId(id);
    // A hash is computed even for an unknown id, so the answer takes as long either way.
    const ok = await verifyPassword(password, member?.passwordHash ?? UNKNOWN_HASH);
    return ok && member?.passwordHash ? member : null;
  }

  async removeByTelegramId(telegramId: string): Promise<Member> {
    const member = await this.repo.byTelegramId(String(telegramId).trim());
    if (!member) throw new MemberError(`no member has Telegram id ${telegramId}`);
    await this.repo.remove(member.id);
    return member;
  }
}
