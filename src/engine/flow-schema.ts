/** The shape of a flow file (flows/*.yaml), checked with zod when flows load. */
import { z } from "zod";
import { LANGUAGES } from "../locale/languages.js";

const id = z.string().regex(/^[a-z][a-z0-9_]*$/, "use lower case letters, digits and _");
const key = z.string().regex(/^[a-zA-Z0-9_.-]+$/, "must be a locale key such as report.ask_description");
const varName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, "must be a variable name such as report.category");

/** `goto: step` in the same flow, or `goto: { flow: report, step: summary }`. */
export const targetSchema = z.union([id, z.strictObject({ flow: id, step: id.optional() })]);

const choiceOption = z.strictObject({
  value: z.string().min(1),
  label: key,
  goto: targetSchema.optional(),
  /** Free text with one of these intents picks this option ("sí", "listo" at "¿Lo enviamos?": `[yes]`). */
  intents: z.array(id).optional(),
  /**
   * Labels of the question this option leads to, whose words also pick it, and answer that question at
   * once when they name one of its options ("con seguimiento" at «¿Lo enviamos?» changes how it is sent).
   */
  words: z.array(key).optional(),
  /**
   * Texts whose words also pick it, any order («corrige la descripción», «borra la dirección»): its label in
   * other words. Unlike `words`, they never make a yes read by the classifier a mention of this option.
   */
  synonyms: z.array(key).optional(),
  /**
   * Picked by the classifier's reading alone (not its label, its number, or a yes typed), it is asked about
   * first («¿Quisiste decir «Enviar reporte»?»): an option that acts (sends a report) never acts on a guess.
   */
  sure: z.boolean().optional(),
  /**
   * An entity whose mention picks this option, the message then answering the question it leads to (its `goto`,
   * in this flow): «toluca» at «¿Quieres ver otro municipio?» is Toluca's plan, not a report told by a place.
   */
  named_by: id.optional(),
});

/** An entity (category, municipality, folio…) whose mention in free text is the answer ("mi folio es TOL-…"). */
const entity = id.optional();

const answerSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), min: z.number().int().min(0).default(1), max: z.number().int().positive().default(1000), entity }),
  z.strictObject({ type: z.literal("number"), min: z.number().optional(), max: z.number().optional(), integer: z.boolean().default(false) }),
  z.strictObject({
    type: z.literal("choice"),
    options: z.array(choiceOption).min(1).optional(),
    options_from: varName.optional(),
    /** Extra static options shown after dynamic ones (e.g. "none of these"). */
    extra: z.array(choiceOption).optional(),
    /** Keep a typed text that matches no option instead of asking again. */
    allow_text: z.boolean().default(false),
    entity,
  }),
  z.strictObject({ type: z.literal("location"), allow_text: z.boolean().default(false), optional: z.boolean().default(false), entity }),
  z.strictObject({ type: z.literal("photo"), optional: z.boolean().default(false) }),
  /** `sure`: a yes or no read by the classifier alone is asked about first (a consent is given in words that say it). */
  z.strictObject({ type: z.literal("yesno"), sure: z.boolean().default(false) }),
]);
export type AnswerSpec = z.infer<typeof answerSchema>;

const condition = z.strictObject({
  var: varName,
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  exists: z.boolean().optional(),
  greater_than: z.number().optional(),
  /** Holds when the variable has the value another one has (`also` the same as `category`). */
  same_as: varName.optional(),
});
export type Condition = z.infer<typeof condition>;

const base = { id: id.optional() };
const params = z.record(z.string(), z.string()).optional();

export const stepSchema = z.discriminatedUnion("type", [
  z.strictObject({
    ...base,
    type: z.literal("say"),
    text: key,
    params,
    each: varName.optional(),
    /** A text to read on its own (a learning topic): its own message, never joined to the question after it. */
    separate: z.boolean().optional(),
    /**
     * A file sent with the text as its caption, where the channel can (Telegram, WhatsApp, the web chat's
     * download): `from` names the variable an action filled with `{ ref, mime }`, `name` the file name's key,
     * `fallback` the text a channel that cannot attach a file sends instead (with the file's link).
     */
    file: z.strictObject({ from: varName, name: key, fallback: key }).optional(),
    next: targetSchema.optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal("ask"),
    text: key,
    params,
    answer: answerSchema,
    save: varName,
    invalid: key.optional(),
    /**
     * What the question is about, said just before it (the privacy notice before «¿Aceptas…?»): said
     * again with the question when the citizen changes the language there, so that what they consent
     * to is read in the language they asked for.
     */
    about: key.optional(),
    /** Why the question is asked («¿para qué quieren la foto?»): said, and the question asked again (global.why_asked without it). */
    why: key.optional(),
    /**
     * A message that names `entity` (a signal: «ahorita le tomo foto»), or that is a plain `no` («no, mejor
     * no» at «¿Lo enviamos?») or `yes` (where a yes does not answer), answers nothing and gives nothing up:
     * it is told `said`, and the question stays.
     */
    holds: z
      .strictObject({ entity: id.optional(), no: z.literal(true).optional(), yes: z.literal(true).optional(), said: key })
      .refine((h) => h.entity !== undefined || h.no !== undefined || h.yes !== undefined, { message: "holds an entity, a plain no or a plain yes" })
      .optional(),
    /**
     * A question that may be skipped, answered by saying it was told already (words.yaml `already_said`: «ya te la
     * di, en la descripción», «ya lo puse arriba») and nothing more: skipped as «Omitir» would, and told `said`
     * (where it was told stays). A classifier reads such a message as leaving («ya…»); one that says more (the
     * address itself) is the answer.
     */
    already: z.strictObject({ said: key }).optional(),
    /**
     * A choice that also takes a typed text (`allow_text`) as the answer whatever the classifier reads in it, once
     * it says TYPED_ANSWER_WORDS words or more: a reply to the secretariat that tells what is still wrong («los
     * columpios siguen rotos…») is that reply, no new report. Shorter messages are read as anywhere («gracias»,
     * «menú»); the options' own words and a danger told come first.
     */
    keeps_typed: z.boolean().default(false),
    /**
     * What a message names here besides the answer is kept for later (a municipality typed at the consent,
     * «ecatepec», or with the yes, «sí, en Ecatepec»): each of `entities` it names goes into `into` as the
     * first message's would (`into.<entity>`, `into.<entity>_text`), unless something is there already; a
     * message that names one and does not answer is told `said` (`text`: its words) and asked again.
     * `address`: a message that names a street one could find (a number or a corner: «en la calle Hidalgo
     * esquina con Juárez» at «¿Usamos lo que escribiste…?») is kept in that variable, without a yes or no said
     * first, unless one is there; where the question asks for a thing by name, only with that thing named.
     */
    notes: z
      .strictObject({ entities: z.array(id).min(1).optional(), into: varName.optional(), address: varName.optional(), said: key })
      .refine((n) => (n.entities === undefined) === (n.into === undefined), { message: "entities and into go together" })
      .refine((n) => n.entities !== undefined || n.address !== undefined, { message: "notes keep entities, an address, or both" })
      .optional(),
    /**
     * Nothing is in progress at this question (the menu): an answer after the conversation's timeout
     * still answers it, and a question the bot asks on its own (after a notice) may take its place.
     */
    rest: z.boolean().optional(),
    /**
     * A photo question: the values set when the photo it saved is deleted before its report was sent
     * (kept aside too long, DRAFT_PHOTO_DAYS), so that what the flow shows says it is not there.
     */
    gone: z.record(varName, z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    /**
     * A photo question: a photo sent at a question before it in the flow while `when` holds (the privacy
     * notice accepted) is kept for it, and is its answer when the flow gets here; sent before `when` holds,
     * it is not kept and `not_yet` says when to send it.
     */
    early: z
      .strictObject({
        when: condition,
        not_yet: key,
        /** While this holds the flow does not come back to the question (a field changed from a summary): a photo is not kept for it. */
        skipped_when: condition.optional(),
      })
      .optional(),
    /**
     * While `when` holds (a field being changed from a summary), the question also offers `label` («Dejarla
     * como está»): picked, said in its words, or declined ("no", "cancelar", "déjala como estaba"), it goes
     * to `goto` with nothing changed, instead of taking the words as the new answer. `words`: texts whose
     * words also say it («Déjala como estaba, así está bien…»).
     */
    keep: z.strictObject({ when: condition, label: key, goto: targetSchema, words: z.array(key).optional() }).optional(),
    next: targetSchema.optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal("set"),
    /** A literal, or `{ from: other.var }` to copy a variable. */
    values: z.record(varName, z.union([z.string(), z.number(), z.boolean(), z.null(), z.strictObject({ from: varName })])),
    next: targetSchema.optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal("branch"),
    cases: z.array(z.strictObject({ when: condition, goto: targetSchema })).min(1),
    else: targetSchema.optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal("action"),
    name: id,
    args: z.record(z.string(), z.string()).default({}),
    save: varName.optional(),
    on_error: targetSchema.optional(),
    next: targetSchema.optional(),
  }),
  z.strictObject({ ...base, type: z.literal("set_language"), from: varName, next: targetSchema.optional() }),
  z.strictObject({ ...base, type: z.literal("goto"), target: targetSchema }),
  /** Continues the draft the citizen left unfinished (`draft`: its flow, step and answers). */
  z.strictObject({ ...base, type: z.literal("resume_draft") }),
  z.strictObject({ ...base, type: z.literal("end"), text: key.optional() }),
]);
export type StepSpec = z.infer<typeof stepSchema>;

/**
 * A way into the flow from outside a conversation: a Telegram deep link (`/start folio-MET-2026-000001`),
 * a command, a web link. With `save`, the text after the prefix is saved in that variable.
 */
const linkSchema = z.strictObject({
  prefix: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "use letters, digits, _ and - (Telegram allows no other)"),
  save: varName.optional(),
  step: id.optional(),
});
export type LinkSpec = z.infer<typeof linkSchema>;

/**
 * A flow that collects something the citizen would lose (a report being written): while `when` is set
 * the conversation holds a draft. Cancelling it asks first (`leave`, a yes/no question); going elsewhere
 * asks whether to keep it aside (`set_aside`); a draft left by an expired conversation, or set aside, is
 * kept in `draft` for the flows to offer (see `resume_draft`).
 */
const draftSchema = z.strictObject({
  when: varName,
  leave: key,
  /**
   * Asked instead of `leave` before going to the menu or another flow (not when cancelling): yes keeps the
   * draft aside, offered back when the flow starts again, so a message misread as a way out loses nothing.
   */
  set_aside: key.optional(),
});
export type DraftSpec = z.infer<typeof draftSchema>;

/** A command that opens the flow (Telegram's menu), named in each language: lower case letters, digits and _. */
const commandSchema = z.partialRecord(z.enum(LANGUAGES), z.string().regex(/^[a-z0-9_]{1,32}$/, "a command is 1 to 32 lower case letters, digits or _"));

export const flowSchema = z.strictObject({
  flow: id,
  description: z.string().optional(),
  links: z.array(linkSchema).optional(),
  command: commandSchema.optional(),
  /** Free text with one of these intents opens this flow (its entities in `heard`). */
  intents: z.array(id).optional(),
  draft: draftSchema.optional(),
  /**
   * `true`: a message that opens this flow and says more than it asks for ("hay basura tirada todos los días
   * en la esquina de Juárez…") is kept in the variable `opening` (the report offers it as the description).
   * Other flows never see the text, only what it named.
   */
  opening: z.boolean().default(false),
  /**
   * `true`: a photo sent where nothing is in progress (a first message, the menu) opens this flow through
   * its plain link, then is handled there (a citizen who starts with a picture of the pothole): kept for
   * its photo question as `early` says. One flow at most, with a plain link and a photo question with `early`.
   */
  photo_opens: z.boolean().default(false),
  /**
   * Entities whose mention in a message that says more (as `opening` counts it) opens this flow, when
   * the classifier read that message as nothing or as a way around — the menu, help, a greeting, thanks,
   * a yes or no, the language: «hay un bache enorme en la esquina del menú de la fonda…» tells a
   * problem, whatever one of its words taught the classifier. Needs `intents` (the first is what it is read as).
   */
  told_by: z.array(id).optional(),
  /**
   * Entities that say where (a municipality): a message the classifier read as nothing, naming what the
   * flow is told by and one of these, tells it with fewer words besides («el agua sale sucia y con olor en
   * Tlalnepantla»: what, where, and three words more). Only with `told_by`.
   */
  told_where: z.array(id).optional(),
  /**
   * A word list of the locales (words.yaml): a statement at the first message or the menu that opens with one
   * of its entries (after greetings, fillers and the words of a request) and says three words more is this
   * flow's, over what the classifier read of the rest: «quiero reportar que la puerta de la escuela está
   * cerrada con candado» was read as a report's status («cerrada»). Which readings it is told over, and which
   * messages never (one that asks, but how to report it: `told_asking`; thanks, the notices stopped, news, a folio named…):
   * `toldWith` in engine/engine.ts. Needs `intents` (the first is what it is read as).
   */
  told_with: id.optional(),
  /**
   * A word list of the locales (words.yaml) of asking how to report it («¿cómo le hago?», «¿a quién le aviso?»):
   * a statement told with `told_with` that asks only one of these still tells this flow («quiero reportar que hay
   * un bache, ¿cómo le hago?» was read as a report's status and asked for a folio); any other question keeps it
   * what the classifier read. Needs `told_with`.
   */
  told_asking: id.optional(),
  /**
   * Entities whose mention alone opens this flow at the first message or the menu, where the classifier read
   * nothing or a way around (a greeting, the menu, help, a yes or no, the language, learning…): a folio in
   * «hola buenas, me dieron el folio ECA-2026-000001 como va» is what it is about, however few the words;
   * never over an emergency. Needs `intents` (the first is what it is read as).
   */
  named_by: z.array(id).optional(),
  /**
   * What a message may correct in words at the questions `at`, when it is nothing but the correction
   * («es drenaje no agua», «perdón, es alumbrado», «es en Toluca, no en Metepec»), of what `entity` names:
   * - a choice answered before (`step`): the new option is taken, said (`said`, `label`: the option's),
   *   and the question asked again;
   * - a value the flow changes along a path of its own (`value`, a variable, changed from `goto`): the
   *   flow goes there, and the message answers the first question it asks (the municipality's).
   * Where a yes or no confirms the value (an ask step `at` with a yes-or-no answer), naming another one alone
   * is enough («drenaje», «es drenaje» at «Entendí: bache… ¿Es correcto?»). `told` (there only): the step a
   * problem told at length instead of the yes or no goes to when it is of another one («hay un perro muerto en la
   * calle Hidalgo»: understood again and confirmed), its text kept as the first message's; of the same one it is a
   * yes (engine `toldAgain`).
   */
  corrects: z
    .array(
      z.union([
        z.strictObject({ step: id, entity: id, said: z.string().min(1), at: z.array(id).min(1) }),
        z.strictObject({ entity: id, value: varName, goto: id, at: z.array(id).min(1), told: id.optional() }),
      ]),
    )
    .optional(),
  /**
   * The step "menú" and "cancelar" lead to in this flow instead of leaving it at once: where a flow
   * that keeps something open outside the conversation (a conversation with a person) closes it.
   */
  exit: id.optional(),
  /** `false`: a conversation waiting here does not expire (a person of the secretariat may answer hours later). */
  expires: z.boolean().default(true),
  steps: z.array(stepSchema).min(1),
});
export type FlowSpec = z.infer<typeof flowSchema>;
export type CorrectionSpec = NonNullable<FlowSpec["corrects"]>[number];
export type Target = z.infer<typeof targetSchema>;
