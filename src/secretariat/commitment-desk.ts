/**
 * The plan's commitments in the secretariat's group: `/compromisos` lists the municipality's
 * commitments with their progress; a commitment shown in detail has buttons to mark a milestone
 * done (the evidence link is asked), move a milestone's date (the new date and the public reason
 * are asked) and update an indicator (its value is asked). Every change is the domain's
 * (CommitmentUpdates) on the version the member saw; the followers hear of it through the
 * commitment dispatcher. Only members of the municipality (and admins) act; anyone else is refused
 * and nothing changes.
 */
import type { Context } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity } from "grammy/types";
import type { GroupPrompt } from "../domain/model/card.js";
import { actsOn, type Member } from "../domain/model/member.js";
import type { Commitment } from "../domain/model/plan.js";
import type { CommitmentSummary } from "../domain/plan/citizen-plans.js";
import { calendarDate } from "../domain/plan/progress.js";
import type { UpdateProblem, UpdateResult } from "../domain/plan/updates.js";
import { errorInfo } from "../util/errors.js";
import type { SecretariatDeps } from "./deps.js";
import { type CommitmentPress, pressData } from "./presses.js";
import { sayInReply } from "./say.js";

/** Buttons per row of the list (one per commitment, by number). */
const PER_ROW = 5;
const TEXT_MAX = 4096;

type CommitmentPrompt = "milestone_done" | "milestone_move" | "indicator";

export const COMMITMENT_PROMPTS: ReadonlySet<string> = new Set<CommitmentPrompt>(["milestone_done", "milestone_move", "indicator"]);

interface View {
  text: string;
  keyboard: InlineKeyboardMarkup;
}

export class CommitmentDesk {
  constructor(private readonly deps: SecretariatDeps) {}

  private t(key: string, params?: Record<string, unknown>): string {
    return this.deps.texts.t(this.deps.lang, key, params);
  }

  private municipalityName(cvegeo: string): string {
    return this.deps.municipalities.get(cvegeo)?.name ?? cvegeo;
  }

  /** The member writing or pressing, if they act on the municipality. */
  private async member(ctx: Context, municipality: string): Promise<Member | null> {
    if (!ctx.from) return null;
    const member = await this.deps.members.byTelegramId(String(ctx.from.id));
    return member && actsOn(member, municipality) ? member : null;
  }

  /** `/compromisos` in the municipality's secretariat group. */
  async command(ctx: Context): Promise<void> {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const say = (text: string, reply_markup?: InlineKeyboardMarkup) => sayInReply(ctx, text, reply_markup);
    const linked = await this.deps.chats.get(String(chatId), "secretariat");
    if (!linked) return void (await say(this.t("secretariat.commitments.not_linked")));
    const municipality = this.municipalityName(linked.municipality);
    if (!(await this.member(ctx, linked.municipality))) return void (await say(this.t("secretariat.commitments.not_member", { municipality })));
    const view = await this.listView(linked.municipality);
    await say(view.text, view.keyboard);
  }

  async press(ctx: Context, press: CommitmentPress): Promise<void> {
    const { deps } = this;
    const alert = (text: string) => ctx.answerCallbackQuery({ text, show_alert: true });
    const found = press.kind === "commitments" ? null : await deps.plansView.commitment(press.commitment);
    const municipality = press.kind === "commitments" ? press.municipality : found?.commitment.municipality;
    if (!municipality || (press.kind !== "commitments" && !found)) return void (await alert(this.t("secretariat.commitments.gone")));
    const member = await this.member(ctx, municipality);
    if (!member) {
      return void (await alert(this.t("secretariat.commitments.not_member", { municipality: this.municipalityName(municipality) })));
    }
    if (press.kind === "commitments") {
      await ctx.answerCallbackQuery();
      return this.show(ctx, await this.listView(municipality));
    }
    const summary = found as CommitmentSummary;
    if (press.kind === "commitment") {
      await ctx.answerCallbackQuery();
      return this.show(ctx, this.detailView(summary));
    }
    const c = summary.commitment;
    if (press.version !== c.version) {
      await alert(this.t("secretariat.commitments.outdated"));
      return this.show(ctx, this.detailView(summary));
    }
    const milestone = c.milestones.find((m) => m.number === press.item);
    const indicator = c.indicators.find((i) => i.number === press.item);
    if ((press.kind === "indicator" ? !indicator : !milestone || milestone.done) || !ctx.from) {
      await alert(this.t("secretariat.commitments.not_possible"));
      return this.show(ctx, this.detailView(summary));
    }
    await ctx.answerCallbackQuery({ text: this.t("secretariat.press.asked") });
    const params =
      press.kind === "indicator"
        ? { name: indicator?.name, current: indicator?.current, unit: indicator?.unit }
        : { n: press.item, milestone: milestone?.title, due: milestone?.due };
    await this.ask(ctx, press.kind, c, press.item, member, { ...params, title: c.title, who: member.name });
  }

  /** A member's reply to the bot's question about a commitment. */
  async reply(ctx: Context, prompt: GroupPrompt, text: string): Promise<void> {
    const { deps } = this;
    const say = (line: string) => sayInReply(ctx, line);
    const found = prompt.commitment ? await deps.plansView.commitment(prompt.commitment) : null;
    if (!found || prompt.version === null || prompt.item == null) return void (await say(this.t("secretariat.reply.unknown")));
    const c = found.commitment;
    const member = await this.member(ctx, c.municipality);
    if (!member) return void (await say(this.t("secretariat.commitments.not_member", { municipality: this.municipalityName(c.municipality) })));
    const result = await this.perform(prompt, member, text.trim());
    if (result.ok) {
      const done = this.done(prompt, result.commitment, member);
      await deps.prompts.remove(prompt.chatId, prompt.messageId);
      await ctx.api
        .editMessageText(prompt.chatId, prompt.messageId, done)
        .catch((err) => deps.logger.debug({ err: errorInfo(err) }, "question not marked answered"));
      await this.refreshView(ctx, prompt, result.commitment);
      return;
    }
    await say(this.t(`secretariat.commitments.problem.${problemKey(result.problem)}`));
    // What was typed can be typed again; a question about what changed meanwhile is over.
    if (result.problem === "outdated" || result.problem === "already_done" || result.problem === "not_allowed") {
      await deps.prompts.remove(prompt.chatId, prompt.messageId);
      if (result.commitment) await this.refreshView(ctx, prompt, result.commitment);
    }
  }

  private perform(prompt: GroupPrompt, member: Member, body: string): Promise<UpdateResult> {
    const { commitments } = this.deps;
    const id = prompt.commitment as string;
    const version = prompt.version as number;
    const item = prompt.item as number;
    switch (prompt.kind) {
      case "milestone_done": {
        const link = /https?:\/\/\S+/i.exec(body)?.[0] ?? body;
        return commitments.markMilestoneDone(id, version, member, item, link);
      }
      case "milestone_move": {
        const typed = readDate(body);
        if (!typed) return Promise.resolve({ ok: false, problem: "bad_date" });
        return commitments.moveMilestone(id, version, member, item, typed.date, typed.rest);
      }
      default: {
        const value = readNumber(body);
        if (value === undefined) return Promise.resolve({ ok: false, problem: "bad_value" });
        return commitments.updateIndicator(id, version, member, item, value);
      }
    }
  }

  private done(prompt: GroupPrompt, c: Commitment, member: Member): string {
    const item = prompt.item as number;
    const base = { title: c.title, n: item, who: member.name };
    if (prompt.kind === "milestone_done") return this.t("secretariat.commitments.done.milestone_done", base);
    if (prompt.kind === "milestone_move") {
      return this.t("secretariat.commitments.done.milestone_move", { ...base, to: c.milestones.find((m) => m.number === item)?.due });
    }
    const indicator = c.indicators.find((i) => i.number === item);
    return this.t("secretariat.commitments.done.indicator", { ...base, name: indicator?.name, value: indicator?.current, unit: indicator?.unit });
  }

  /** The message showing the commitment, as it is now. */
  private async refreshView(ctx: Context, prompt: GroupPrompt, c: Commitment): Promise<void> {
    if (!prompt.view) return;
    const view = this.detailView(this.deps.plansView.summary(c));
    await ctx.api
      .editMessageText(prompt.chatId, prompt.view, view.text, { reply_markup: view.keyboard, link_preview_options: { is_disabled: true } })
      .catch((err) => this.deps.logger.debug({ err: errorInfo(err) }, "commitment view not refreshed"));
  }

  /** Shows a view in place of the message pressed. */
  private async show(ctx: Context, view: View): Promise<void> {
    await ctx
      .editMessageText(view.text, { reply_markup: view.keyboard, link_preview_options: { is_disabled: true } })
      .catch((err) => this.deps.logger.debug({ err: errorInfo(err) }, "commitment view not shown"));
  }

  private async listView(municipality: string): Promise<View> {
    const found = await this.deps.plansView.plan(municipality);
    const name = this.municipalityName(municipality);
    if (!found || found.commitments.length === 0)
      return { text: this.t("secretariat.commitments.no_plan", { municipality: name }), keyboard: { inline_keyboard: [] } };
    const { plan, commitments } = found;
    const lines = [this.t("secretariat.commitments.list", { title: plan.title, municipality: name })];
    if (plan.example) lines.push(this.t("commitments.example_note"));
    for (const s of commitments) {
      lines.push(this.t("commitments.item", { number: s.commitment.number, title: s.commitment.title, bar: s.bar, percent: s.percent, status: s.status }));
    }
    const buttons = commitments.map(
      (s): InlineKeyboardButton => ({
        text: String(s.commitment.number),
        callback_data: pressData({ kind: "commitment", commitment: s.commitment.id, version: s.commitment.version }),
      }),
    );
    return { text: lines.join("\n").slice(0, TEXT_MAX), keyboard: { inline_keyboard: rows(buttons, PER_ROW) } };
  }

  private detailView(s: CommitmentSummary): View {
    const c = s.commitment;
    const today = calendarDate(this.deps.clock.now(), this.deps.timeZone);
    const lines = [this.t("secretariat.commitments.detail", { number: c.number, title: c.title, bar: s.bar, percent: s.percent, status: s.status })];
    if (c.milestones.length) lines.push("", this.t("commitments.milestones_title"));
    for (const m of c.milestones) {
      const title = `${m.number}. ${m.title}`;
      if (m.done) lines.push(this.t("commitments.milestone_done", { title, done: m.done }));
      else lines.push(this.t(m.due < today ? "commitments.milestone_late" : "commitments.milestone", { title, due: m.due }));
    }
    if (c.indicators.length) lines.push("", this.t("commitments.indicators_title"));
    for (const i of c.indicators) lines.push(this.t("commitments.indicator", { ...i, name: `${i.number}. ${i.name}` }));
    const press = (kind: "milestone_done" | "milestone_move" | "indicator", item: number) => pressData({ kind, commitment: c.id, version: c.version, item });
    const keyboard: InlineKeyboardButton[][] = [];
    for (const m of c.milestones.filter((x) => !x.done)) {
      keyboard.push([
        { text: this.t("secretariat.commitments.buttons.done", { n: m.number }), callback_data: press("milestone_done", m.number) },
        { text: this.t("secretariat.commitments.buttons.move", { n: m.number }), callback_data: press("milestone_move", m.number) },
      ]);
    }
    const indicators = c.indicators.map(
      (i): InlineKeyboardButton => ({
        text: this.t("secretariat.commitments.buttons.indicator", { n: i.number }),
        callback_data: press("indicator", i.number),
      }),
    );
    keyboard.push(...rows(indicators, 3));
    keyboard.push([{ text: this.t("secretariat.commitments.buttons.list"), callback_data: pressData({ kind: "commitments", municipality: c.municipality }) }]);
    return { text: lines.join("\n").slice(0, TEXT_MAX), keyboard: { inline_keyboard: keyboard } };
  }

  /** Asks in the group, as a reply to the commitment's message, with a ForceReply for the member who pressed. */
  private async ask(ctx: Context, kind: CommitmentPrompt, c: Commitment, item: number, member: Member, params: Record<string, unknown>): Promise<void> {
    const chatId = ctx.chat?.id;
    const from = ctx.from;
    if (chatId === undefined || !from) return;
    const text = this.t(`secretariat.commitments.prompt.${kind}`, params).slice(0, TEXT_MAX);
    const at = text.indexOf(member.name);
    const entities: MessageEntity[] | undefined = at >= 0 ? [{ type: "text_mention", offset: at, length: member.name.length, user: from }] : undefined;
    const view = ctx.callbackQuery?.message?.message_id ?? null;
    const sent = await ctx.api.sendMessage(chatId, text, {
      entities,
      reply_markup: {
        force_reply: true,
        selective: entities !== undefined,
        input_field_placeholder: this.t("secretariat.prompt.placeholder_text").slice(0, 64),
      },
      reply_parameters: view ? { message_id: view, allow_sending_without_reply: true } : undefined,
      link_preview_options: { is_disabled: true },
    });
    await this.deps.prompts.save({
      chatId: String(chatId),
      messageId: sent.message_id,
      kind,
      report: null,
      version: c.version,
      status: null,
      handoff: null,
      commitment: c.id,
      item,
      view,
      createdAt: this.deps.clock.now(),
    });
  }
}

function rows<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The text key of a refusal: several problems read the same to a member. */
function problemKey(problem: UpdateProblem): string {
  switch (problem) {
    case "unknown_milestone":
    case "unknown_indicator":
    case "not_done_yet":
      return "already_done";
    default:
      return problem;
  }
}

/** `2027-03-31 reason` or `31/03/2027 reason`: the date (YYYY-MM-DD) and what follows it. */
export function readDate(text: string): { date: string; rest: string } | undefined {
  const iso = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\b/.exec(text);
  const dmy = iso ? null : /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(text);
  const m = iso ?? dmy;
  if (!m) return undefined;
  const [year, month, day] = iso ? [m[1], m[2], m[3]] : [m[3], m[2], m[1]];
  const date = `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
  const rest = text
    .slice(m[0].length)
    .replace(/^[\s,.;:—-]+/, "")
    .trim();
  return { date, rest };
}

/** A value as members write it: `1,250`, `37.5`, `80 %`; undefined when it is not one number. */
export function readNumber(text: string): number | undefined {
  const m = /^\s*(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*[%a-zA-Záéíóúñ².]*\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1].replaceAll(",", ""));
  return Number.isFinite(value) ? value : undefined;
}
