/**
 * `config/whatsapp-templates.yaml`: which approved WhatsApp template carries each kind of notice
 * when the citizen last wrote more than 24 hours ago (only a template may open a conversation
 * then). Each entry names the template as approved in WhatsApp Manager, its language code per
 * language of the bot, and which of the notice's values fill its body's {{1}}, {{2}}… in order.
 * A notice kind without an entry waits for the citizen's next message.
 */
import { existsSync } from "node:fs";
import { z } from "zod";
import { NOTICE_FIELDS, NOTICE_KINDS, type NoticeKind, type NoticeMeaning } from "../../../domain/model/message.js";
import { LANGUAGES, type Language } from "../../../locale/languages.js";
import { readConfigFile } from "../../../util/config-file.js";
import type { GraphMessage } from "./graph.js";

const templateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, "a template name is lower-case letters, digits and _, as in WhatsApp Manager"),
  languages: z.partialRecord(
    z.enum(LANGUAGES, { message: `accepts ${LANGUAGES.join(", ")}` }),
    z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, "a WhatsApp language code, such as es_MX or en_US"),
  ),
  parameters: z.array(z.string()).max(10).default([]),
});

const fileSchema = z
  .record(z.string(), templateSchema)
  .nullable()
  .transform((v) => v ?? {})
  .superRefine((file, ctx) => {
    for (const [kind, template] of Object.entries(file)) {
      if (!(NOTICE_KINDS as string[]).includes(kind)) {
        ctx.addIssue({ code: "custom", path: [kind], message: `not a notice kind: accepts ${NOTICE_KINDS.join(", ")}` });
        continue;
      }
      const known: readonly string[] = NOTICE_FIELDS[kind as NoticeKind];
      template.parameters.forEach((p, i) => {
        if (!known.includes(p))
          ctx.addIssue({ code: "custom", path: [kind, "parameters", i], message: `"${p}" is not a value of ${kind} (${known.join(", ")})` });
      });
    }
  })
  .transform((v) => v as TemplateTable);

export type TemplateTable = Partial<Record<NoticeKind, z.infer<typeof templateSchema>>>;

/** Longest value put in a template's body (Meta refuses a body over 1,024 characters in all). */
const MAX_PARAMETER = 300;

export class NoticeTemplates {
  constructor(private readonly table: TemplateTable) {}

  /** Reads the file; a missing file means no templates (every notice outside the window waits). A bad one stops start-up naming it. */
  static load(file: string): NoticeTemplates {
    return new NoticeTemplates(existsSync(file) ? readConfigFile(file, fileSchema) : {});
  }

  /** The template message for a notice in `lang`, or undefined when none is configured for it. */
  message(notice: NoticeMeaning | undefined, lang: Language): GraphMessage | undefined {
    if (!notice) return undefined;
    const template = this.table[notice.kind];
    const code = template?.languages[lang];
    if (!template || !code) return undefined;
    // Meta refuses new lines, tabs and runs of spaces in a parameter, and an empty one.
    const parameters = template.parameters.map((p: string) => ({
      type: "text",
      text: (notice.params[p] ?? "").replace(/\s+/g, " ").trim().slice(0, MAX_PARAMETER) || "—",
    }));
    return {
      type: "template",
      template: { name: template.name, language: { code }, components: parameters.length ? [{ type: "body", parameters }] : [] },
    };
  }
}
