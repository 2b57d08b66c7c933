/**
 * `npm run admin -- member …` and `reports list`: the secretariat from the command line. One
 * function from arguments to what the command prints, so the same code answers in the process the
 * command starts and, while the bot runs on the embedded store, inside the bot (through its console
 * socket). Every refusal is one line on stderr; a report's list shows no one's identity.
 */
import { parseArgs } from "node:util";
import type { DataRequest } from "../domain/data-rights.js";
import { MemberError, type Members } from "../domain/members.js";
import { ALL_MUNICIPALITIES, type Member } from "../domain/model/member.js";
import type { Municipalities } from "../domain/municipalities.js";
import { type OrphanPhotoDeps, orphanPhotos } from "../domain/orphan-photos.js";
import type { Lifecycle } from "../domain/statuses.js";
import type { ReportRepository } from "../store/ports.js";
import { ANNOUNCE_USAGE, type AnnounceDeps, announceCommand, channelCommand } from "./announce-commands.js";

export interface AdminDeps extends AnnounceDeps {
  members: Members;
  reports: Pick<ReportRepository, "list">;
  municipalities: Municipalities;
  lifecycle: Lifecycle;
  timeZone: string;
  /** Citizens' data-rights requests (derechos ARCO), with their legal deadlines. */
  dataRequests: (limit: number, municipality?: string) => Promise<DataRequest[]>;
  /** Where photos are kept and what names them, to find those nothing names (`photos orphans`). */
  orphanPhotos: OrphanPhotoDeps;
  now: () => Date;
}

/** What a command printed, and its exit code (0 done, 1 refused, 2 not understood). */
export interface AdminOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export const SECRETARIAT_USAGE = `  member add --municipality K --role R --telegram-id N --name "Nombre Apellido"
                       adds a member of a municipality's Secretariado Técnico: K is an INEGI key
                       (15054) or a name (Metepec), repeat --municipality for several, or "all"
                       for an admin; roles: autoridad, osc, facilitador, admin
  member list [--municipality K]
                       the members (of one municipality, with the admins of all)
  member remove --telegram-id N
  member password --telegram-id N
                       sets a new password for the member's web panel (/panel) and prints it once;
                       they log in with their Telegram id and it
  reports list [--municipality K] [--status S] [--limit N]
                       the newest reports (50 unless --limit), with their status; no personal data
  arco list [--municipality K] [--limit N]
                       citizens' data-rights requests (derechos ARCO): code, right, date, legal
                       deadline (20 business days) and state; never who asked
  photos orphans [--delete]
                       photos kept for good (more than a day ago) that no report, announcement
                       or conversation names: left by versions before 0.6.8 when a citizen's data
                       was erased or a closed report de-identified. Lists them; --delete deletes
                       them
${ANNOUNCE_USAGE}`;

/** Commands that act on the secretariat (the rest of the command line is `migrate`). */
export const SECRETARIAT_COMMANDS = ["member", "reports", "announce", "channel", "arco", "photos"];

const PREFIX = "municipio-abierto admin: ";
const LIST_MAX = 1000;

function refused(message: string, code = 1): AdminOutcome {
  return { code, stdout: "", stderr: `${PREFIX}${message}\n` };
}

function done(lines: string[]): AdminOutcome {
  return { code: 0, stdout: lines.map((l) => `${l}\n`).join(""), stderr: "" };
}

/** Columns padded to their widest cell, the last one as it is. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "));
}

export async function runAdmin(argv: readonly string[], deps: AdminDeps): Promise<AdminOutcome> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    // Node's own words up to the first full stop ("Unknown option '--x'"), without its advice on positionals.
    return refused(`${(err as Error).message.split(/\.\s|\n/)[0]} (npm run admin -- --help)`, 2);
  }
  const { positionals, values } = parsed;
  const [noun, verb, ...rest] = positionals;
  // `announce status A-3`, `announce cancel A-3` name one announcement.
  const named = noun === "announce" && (verb === "status" || verb === "cancel") ? rest.shift() : undefined;
  if (rest.length) return refused(`unexpected "${rest[0]}" (npm run admin -- --help)`, 2);
  try {
    if (noun === "announce" || noun === "channel") {
      const outcome = noun === "announce" ? await announceCommand(verb, named, values, deps) : await channelCommand(verb, values, deps);
      return outcome.ok ? done(outcome.lines) : refused(outcome.message);
    }
    if (noun === "member" && verb === "add") return await addMember(values, deps);
    if (noun === "member" && verb === "list") return await listMembers(values, deps);
    if (noun === "member" && verb === "remove") return await removeMember(values, deps);
    if (noun === "member" && verb === "password") return await memberPassword(values, deps);
    if (noun === "reports" && verb === "list") return await listReports(values, deps);
    if (noun === "arco" && verb === "list") return await listDataRequests(values, deps);
    if (noun === "photos" && verb === "orphans") return await orphans(values, deps);
  } catch (err) {
    if (err instanceof MemberError) return refused(err.message);
    throw err;
  }
  return refused(`unknown command "${[noun, verb].filter(Boolean).join(" ")}" (npm run admin -- --help)`, 2);
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      municipality: { type: "string", multiple: true },
      role: { type: "string" },
      "telegram-id": { type: "string" },
      name: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      text: { type: "string" },
      photo: { type: "string" },
      to: { type: "string" },
      at: { type: "string" },
      chat: { type: "string" },
      delete: { type: "boolean" },
    },
  });
}

type Values = ReturnType<typeof parse>["values"];

function municipalitiesOf(member: Member, deps: AdminDeps): string {
  return member.municipalities.map((m) => (m === ALL_MUNICIPALITIES ? "all" : `${deps.municipalities.get(m)?.name ?? m} (${m})`)).join(", ");
}

async function addMember(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  if (!values.role) return refused("a member needs a role (--role autoridad, osc, facilitador or admin)");
  if (!values.name) return refused('a member needs a name (--name "Nombre Apellido")');
  const member = await deps.members.add({ name: values.name, role: values.role, municipalities: values.municipality ?? [], telegramId: values["telegram-id"] });
  const telegram = member.telegramId ? `, Telegram ${member.telegramId}` : "";
  return done([`added ${member.name}: ${member.role} of ${municipalitiesOf(member, deps)}${telegram}`]);
}

async function listMembers(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  if ((values.municipality?.length ?? 0) > 1) return refused("list the members of one municipality at a time");
  const members = await deps.members.list(values.municipality?.[0]);
  if (members.length === 0) return done(["no members"]);
  return done(table([["TELEGRAM", "ROLE", "NAME", "MUNICIPALITIES"], ...members.map((m) => [m.telegramId ?? "-", m.role, m.name, municipalitiesOf(m, deps)])]));
}

/** The `--telegram-id` of a command about one member, or why it is missing. */
function memberId(values: Values): { id: string } | { refusal: AdminOutcome } {
  const id = values["telegram-id"]?.trim();
  if (!id) return { refusal: refused("say which member: --telegram-id N") };
  if (!/^[1-9]\d{0,19}$/.test(id)) return { refusal: refused(`"${id}" is not a Telegram user id (a positive number)`) };
  return { id };
}

async function removeMember(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  const which = memberId(values);
  if ("refusal" in which) return which.refusal;
  const member = await deps.members.removeByTelegramId(which.id);
  return done([`removed ${member.name} (Telegram ${which.id})`]);
}

async function memberPassword(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  const which = memberId(values);
  if ("refusal" in which) return which.refusal;
  const { member, password } = await deps.members.setPassword(which.id);
  return done([
    `panel password of ${member.name} (Telegram ${which.id}), shown this once: ${password}`,
    "log in at /panel with the Telegram id and this password",
  ]);
}

/** A list's municipality (one, by key or name) and length (`--limit`, 50 unless given). */
function listScope(values: Values, deps: AdminDeps, what: string): { municipality?: string; limit: number } | { refused: AdminOutcome } {
  if ((values.municipality?.length ?? 0) > 1) return { refused: refused(`list the ${what} of one municipality at a time`) };
  const municipality = values.municipality?.[0] === undefined ? undefined : deps.members.resolveMunicipality(values.municipality[0]).cvegeo;
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) return { refused: refused(`--limit accepts a number from 1 to ${LIST_MAX}`) };
  return { municipality, limit };
}

async function listDataRequests(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  const scope = listScope(values, deps, "requests");
  if ("refused" in scope) return scope.refused;
  const requests = await deps.dataRequests(scope.limit, scope.municipality);
  if (requests.length === 0) return done(["no requests"]);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return done(
    table([
      ["CODE", "RIGHT", "RECEIVED", "DEADLINE", "STATE", "MUNICIPALITY"],
      ...requests.map((r) => [
        r.code,
        r.right,
        day.format(r.at),
        r.deadline,
        r.state === "done" ? "atendida" : "pendiente",
        r.municipality ? (deps.municipalities.get(r.municipality)?.name ?? r.municipality) : "-",
      ]),
    ]),
  );
}

async function orphans(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  const found = await orphanPhotos(deps.orphanPhotos, deps.now());
  if (found.length === 0) return done(["no photo that no report, announcement or conversation names"]);
  if (!values.delete) return done([`${found.length} photos no report, announcement or conversation names (delete them with --delete):`, ...found]);
  for (const id of found) await deps.orphanPhotos.media.remove(id);
  return done([`deleted ${found.length} photos no report, announcement or conversation named`]);
}

async function listReports(values: Values, deps: AdminDeps): Promise<AdminOutcome> {
  const scope = listScope(values, deps, "reports");
  if ("refused" in scope) return scope.refused;
  const status = values.status?.trim();
  if (status !== undefined && !deps.lifecycle.get(status)) return refused(`unknown status "${status}" (statuses: ${deps.lifecycle.all.join(", ")})`);
  const reports = await deps.reports.list({ municipality: scope.municipality, statuses: status ? [status] : undefined }, scope.limit);
  if (reports.length === 0) return done(["no reports"]);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone, dateStyle: "short", timeStyle: "short", hourCycle: "h23" });
  return done(
    table([
      ["FOLIO", "STATUS", "CREATED", "AFFECTS", "CATEGORY", "MUNICIPALITY"],
      ...reports.map((r) => [
        r.folio,
        r.status,
        day.format(r.createdAt),
        String(1 + r.followers),
        r.category,
        deps.municipalities.get(r.municipality)?.name ?? r.municipality,
      ]),
    ]),
  );
}
