/**
 * A member acting on a report card: a button press (a status, an office, Responder, Nota interna)
 * and the reply to the question the bot asked (a ForceReply message: the public answer, a reason,
 * the folio a duplicate repeats, an internal note). Every operation is the domain's (Triage) on the
 * version of the report the member saw: a press or reply on an outdated card is refused and the card
 * refreshed; a member of another municipality, or someone who is not a member, is refused and nothing
 * changes. What the change sets off (the card edited, the citizen told) is the Dispatcher's.
 */
import type { Context } from "grammy";
import type { MessageEntity } from "grammy/types";
import { folioInText, parseFolio } from "../domain/folio.js";
import type { GroupPrompt, PromptKind } from "../domain/model/card.js";
import { actsOn, type Member } from "../domain/model/member.js";
import { commitmentId } from "../domain/model/plan.js";
import type { Report } from "../domain/model/report.js";
import { publicSuggestion } from "../domain/open-data.js";
import type { TriageResult } from "../domain/triage.js";
import { errorInfo } from "../util/errors.js";
import type { TelegramCards } from "./cards.js";
import type { SecretariatDeps } from "./deps.js";
import { fromToken, type Press } from "./presses.js";
import { sayInReply } from "./say.js";

/** Templates listed in one question (each may be up to 1,000 characters). */
const TEMPLATES_SHOWN = 3;

export type ReportPress = Extract<Press, { folio: string }>;

export class ReportDesk {
  constructor(
    private readonly deps: SecretariatDeps,
    private readonly cards: TelegramCards,
  ) {}

  private t(key: string, params?: Record<string, unknown>): string {
    return this.deps.texts.t(this.deps.lang, key, params);
  }

  /** A group just linked, or the bot back in it: the open reports that waited get their cards (`TelegramCards.catchUp`). */
  catchUp(municipality: string, chatId: string): Promise<number> {
    return this.cards.catchUp(municipality, chatId);
  }

  private municipalityName(cvegeo: string): string {
    return this.deps.municipalities.get(cvegeo)?.name ?? cvegeo;
  }

  /** The member acting, if they may act on the report's municipality. */
  private async member(ctx: Context, report: Report): Promise<Member | null> {
    const from = ctx.from;
    if (!from) return null;
    const member = await this.deps.members.byTelegramId(String(from.id));
    return member && actsOn(member, report.municipality) ? member : null;
  }

  async press(ctx: Context, press: ReportPress): Promise<void> {
    const { deps } = this;
    const alert = (text: string) => ctx.answerCallbackQuery({ text, show_alert: true });
    const report = await deps.reports.byFolio(press.folio);
    if (!report) return void (await alert(this.t("secretariat.reply.unknown")));
    const member = await this.member(ctx, report);
    if (!member) return void (await alert(this.t("secretariat.press.not_member", { municipality: this.municipalityName(report.municipality) })));
    if (press.version !== report.version) {
      await alert(this.t("secretariat.press.outdated"));
      await this.cards.refresh(report);
      return;
    }
    const pressed = ctx.callbackQuery?.message?.message_id;
    switch (press.kind) {
      case "answer":
        await ctx.answerCallbackQuery({ text: this.t("secretariat.press.asked") });
        return this.ask(ctx, "answer", report, null, member, "secretariat.prompt.answer", this.templates(report, report.status), pressed);
      case "note":
        await ctx.answerCallbackQuery({ text: this.t("secretariat.press.asked") });
        return this.ask(ctx, "note", report, null, member, "secretariat.prompt.note", [], pressed);
      case "publish": {
        await ctx.answerCallbackQuery({ text: this.t("secretariat.press.asked") });
        const suggestion = publicSuggestion(report);
        return this.ask(
          ctx,
          "publish",
          report,
          null,
          member,
          "secretariat.prompt.publish",
          suggestion ? [suggestion] : [],
          pressed,
          "secretariat.prompt.suggestion",
        );
      }
      case "back":
        await ctx.answerCallbackQuery();
        return this.cards.refresh(report);
      case "link":
        await ctx.answerCallbackQuery({ text: this.t("secretariat.press.pick_commitment") });
        return this.cards.refresh(report, { kind: "commitments" });
      case "link_to": {
        const result = await deps.commitments.linkReport(commitmentId(report.municipality, Number(press.token)), member, report);
        if (!result.ok) await alert(this.t("secretariat.press.not_linked"));
        else await ctx.answerCallbackQuery({ text: this.t("secretariat.press.linked", { number: result.commitment.number }) });
        return this.cards.refresh(report);
      }
      case "office": {
        const offices = deps.areas.forMunicipality(report.municipality);
        const area = fromToken(
          offices.map((a) => a.id),
          press.token,
        );
        if (!area) return void (await alert(this.t("secretariat.press.outdated")));
        return this.move(ctx, report, member, { to: "canalizado", area });
      }
      case "status": {
        const to = fromToken(deps.lifecycle.all, press.token);
        if (!to || !deps.lifecycle.get(report.status)?.next.includes(to)) {
          await alert(this.t("secretariat.press.not_possible", { status: report.status }));
          return this.cards.refresh(report);
        }
        if (to === "canalizado") {
          await ctx.answerCallbackQuery({ text: this.t("secretariat.press.pick_area") });
          return this.cards.refresh(report, { kind: "offices", offices: deps.areas.forMunicipality(report.municipality) });
        }
        if (to === "duplicado") {
          await ctx.answerCallbackQuery({ text: this.t("secretariat.press.asked") });
          return this.ask(ctx, "duplicate", report, to, member, "secretariat.prompt.duplicate", [], pressed);
        }
        if (deps.lifecycle.get(to)?.needsReason) {
          await ctx.answerCallbackQuery({ text: this.t("secretariat.press.asked") });
          return this.ask(ctx, "reason", report, to, member, "secretariat.prompt.reason", this.templates(report, to), pressed);
        }
        return this.move(ctx, report, member, { to });
      }
    }
  }

  /** A move that needs nothing more: done at once, the press answered with the outcome. */
  private async move(ctx: Context, report: Report, member: Member, request: { to: string; area?: string }): Promise<void> {
    const result = await this.deps.triage.changeStatus(report.id, report.version, member, request);
    if (result.ok) {
      await ctx.answerCallbackQuery({ text: this.t("secretariat.press.done", { status: request.to }) });
      return;
    }
    await ctx.answerCallbackQuery({
      text: this.t(result.problem === "outdated" ? "secretariat.press.outdated" : "secretariat.press.not_possible", {
        status: (result.report ?? report).status,
      }),
      show_alert: true,
    });
    await this.cards.refresh(result.report ?? report);
  }

  /** The templates of a status in the citizen's language, filled in. */
  private templates(report: Report, status: string): string[] {
    const { areas, templates, municipalities } = this.deps;
    const area = report.area ? areas.get(report.municipality, report.area) : undefined;
    return templates
      .for(status, report.language, {
        folio: report.folio,
        area: area ? areas.name(area, report.language) : "",
        municipality: municipalities.get(report.municipality)?.name ?? report.municipality,
      })
      .slice(0, TEMPLATES_SHOWN);
  }

  /**
   * Asks in the group, as a reply to the card, with a ForceReply for the member who pressed (named in
   * the question): what they answer comes back to `reply` through the prompt kept in the store.
   */
  private async ask(
    ctx: Context,
    kind: PromptKind,
    report: Report,
    status: string | null,
    member: Member,
    key: string,
    templates: string[],
    pressed: number | undefined,
    templatesKey = "secretariat.prompt.templates",
  ): Promise<void> {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    // A folio of the group's own municipality as the example («TOL-2026-000123» in Toluca's group).
    const example = report.folio.replace(/\d+$/, (n) => "123".padStart(n.length, "0"));
    const lines = [this.t(key, { folio: report.folio, who: member.name, status, example })];
    if (templates.length) {
      lines.push("", this.t(templatesKey));
      for (const [i, text] of templates.entries()) lines.push(this.t("secretariat.prompt.template_item", { n: String(i + 1), text }));
    }
    const text = lines.join("\n").slice(0, 4096);
    // The member who pressed is mentioned, so only their app opens the reply box (`selective`).
    const at = ctx.from ? text.indexOf(member.name) : -1;
    const entities: MessageEntity[] | undefined =
      at >= 0 && ctx.from ? [{ type: "text_mention", offset: at, length: member.name.length, user: ctx.from }] : undefined;
    const placeholder = this.t(kind === "duplicate" ? "secretariat.prompt.placeholder_folio" : "secretariat.prompt.placeholder_text");
    const sent = await ctx.api.sendMessage(chatId, text, {
      entities,
      reply_markup: { force_reply: true, selective: entities !== undefined, input_field_placeholder: placeholder.slice(0, 64) },
      reply_parameters: pressed ? { message_id: pressed, allow_sending_without_reply: true } : undefined,
      link_preview_options: { is_disabled: true },
    });
    await this.deps.prompts.save({
      chatId: String(chatId),
      messageId: sent.message_id,
      kind,
      report: report.id,
      version: report.version,
      status,
      handoff: null,
      createdAt: this.deps.clock.now(),
    });
  }

  /** A member's reply to one of the bot's questions about a report. */
  async reply(ctx: Context, prompt: GroupPrompt, text: string): Promise<void> {
    const { deps } = this;
    const say = (line: string) => sayInReply(ctx, line);
    const report = prompt.report ? await deps.reports.byId(prompt.report) : null;
    if (!report || prompt.version === null) return void (await say(this.t("secretariat.reply.unknown")));
    const member = await this.member(ctx, report);
    if (!member) return void (await say(this.t("secretariat.reply.not_member", { municipality: this.municipalityName(report.municipality) })));
    const body = text.trim();
    if (!body) return void (await say(this.t("secretariat.reply.empty")));
    // A number that picks none of the templates listed («2» where there was one) is never sent as the text: the question stays open.
    const count = this.templateCount(prompt, report);
    if (count !== undefined && /^\d{1,2}$/.test(body) && (Number(body) < 1 || Number(body) > count)) {
      return void (await say(this.t(count ? "secretariat.reply.no_template" : "secretariat.reply.no_templates", { n: body, count })));
    }
    const result = await this.perform(prompt, report, member, body);
    if (result.ok) {
      const done =
        prompt.kind === "answer" || prompt.kind === "citizen_reply"
          ? this.t("secretariat.reply.answered", { folio: report.folio, who: member.name })
          : prompt.kind === "note"
            ? this.t("secretariat.reply.noted", { folio: report.folio, who: member.name })
            : prompt.kind === "publish"
              ? this.t("secretariat.reply.published", { folio: report.folio, who: member.name })
              : this.t("secretariat.reply.moved", { folio: report.folio, status: result.report.status, who: member.name });
      await deps.prompts.remove(prompt.chatId, prompt.messageId);
      // What the citizen answered stays in the group as it was; the bot's question says it was answered.
      if (prompt.kind === "citizen_reply") return void (await say(done));
      await ctx.api
        .editMessageText(prompt.chatId, prompt.messageId, done)
        .catch((err) => deps.logger.debug({ err: errorInfo(err) }, "question not marked answered"));
      return;
    }
    const now = result.report ?? report;
    switch (result.problem) {
      case "empty_text":
        return void (await say(this.t("secretariat.reply.empty")));
      case "sensitive_text":
        // The question stays open: another reply without the personal data publishes it.
        return void (await say(this.t("secretariat.reply.sensitive")));
      case "duplicate_required":
      case "unknown_duplicate":
        return void (await say(this.t("secretariat.reply.unknown_duplicate", { typed: body.slice(0, 40) })));
      case "outdated":
        await say(this.t("secretariat.reply.outdated", { folio: report.folio, status: now.status }));
        break;
      default:
        await say(this.t("secretariat.press.not_possible", { status: now.status }));
    }
    await deps.prompts.remove(prompt.chatId, prompt.messageId);
    await this.cards.refresh(now);
  }

  /** How many templates the question listed, where a number picks one (an answer, a reason); undefined elsewhere. */
  private templateCount(prompt: GroupPrompt, report: Report): number | undefined {
    if (prompt.kind === "answer") return this.templates(report, report.status).length;
    // Under a citizen's reply no template was listed: a bare number is none.
    if (prompt.kind === "citizen_reply") return 0;
    if (prompt.kind === "reason") return this.templates(report, prompt.status ?? "").length;
    return undefined;
  }

  private perform(prompt: GroupPrompt, report: Report, member: Member, body: string): Promise<TriageResult> {
    const { triage } = this.deps;
    const version = prompt.version ?? -1;
    // "2" picks the second template the question listed, as it is.
    const picked = (status: string) => {
      const n = /^\d{1,2}$/.test(body) ? Number(body) : 0;
      return (n > 0 ? this.templates(report, status)[n - 1] : undefined) ?? body;
    };
    switch (prompt.kind) {
      case "answer":
        return triage.answer(report.id, version, member, picked(report.status));
      case "citizen_reply":
        return triage.answer(report.id, version, member, body);
      case "note":
        return triage.addNote(report.id, version, member, body);
      case "publish": {
        // "1" takes the suggestion the question showed (the description, when it holds no personal data).
        const text = body === "1" ? (publicSuggestion(report) ?? body) : body;
        return triage.publish(report.id, version, member, { description: text, photos: report.publication?.photos ?? [] });
      }
      case "reason":
        return triage.changeStatus(report.id, version, member, { to: prompt.status ?? "", note: picked(prompt.status ?? "") });
      case "duplicate": {
        const typed = body.match(folioInText(this.deps.folioDigits))?.[0];
        const folio = typed ? parseFolio(typed, this.deps.folioDigits) : undefined;
        // What comes with the folio is the public note; without one, the status's first template.
        const rest = typed
          ? body
              .replace(typed, "")
              .replace(/^[\s,.;:—-]+/, "")
              .trim()
          : "";
        const note = rest || this.templates(report, prompt.status ?? "")[0] || folio || body;
        return triage.changeStatus(report.id, version, member, { to: prompt.status ?? "", duplicateOf: folio ?? body, note });
      }
      default:
        return Promise.resolve({ ok: false, problem: "not_found" });
    }
  }
}
