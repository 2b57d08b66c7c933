/**
 * Composes the bot from configuration: texts, reference data, store, domain services, actions,
 * flows and the conversation runtime. Channels and the web server are attached by main.ts.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { type Deployment, loadDeployment } from "./config/deployment.js";
import type { Config } from "./config/settings.js";
import { ACTION_NAMES, createActions } from "./conversation/actions/index.js";
import { ConversationService } from "./conversation/conversations.js";
import { loadFlowsFromDir } from "./conversation/flow-files.js";
import { Renderer } from "./conversation/render.js";
import { Announcements } from "./domain/announcements.js";
import { Areas } from "./domain/areas.js";
import { authorityParams, loadAuthority } from "./domain/authority.js";
import { Categories } from "./domain/categories.js";
import { LinkedChats } from "./domain/chats.js";
import { Citizens } from "./domain/citizens.js";
import { DataExportLinks, MyDataFiles } from "./domain/data-export.js";
import { DataRights } from "./domain/data-rights.js";
import { folioMentions, readFolio } from "./domain/folio.js";
import { FolioLookups } from "./domain/folio-lookups.js";
import { Following } from "./domain/following.js";
import { Handoffs } from "./domain/handoffs.js";
import { Members } from "./domain/members.js";
import { Municipalities, SEVERAL_MUNICIPALITIES } from "./domain/municipalities.js";
import type { OpenDataContext } from "./domain/open-data.js";
import { Photos } from "./domain/photos.js";
import { CitizenPlans } from "./domain/plan/citizen-plans.js";
import { Plans } from "./domain/plan/plans.js";
import { calendarDate } from "./domain/plan/progress.js";
import { CommitmentUpdates } from "./domain/plan/updates.js";
import { PrivacyNotice, privacyUrl } from "./domain/privacy-notice.js";
import { publicReport } from "./domain/public-report.js";
import { ReportReplies } from "./domain/report-replies.js";
import { Reports } from "./domain/reports.js";
import { Resolution } from "./domain/resolution.js";
import { RetentionJob } from "./domain/retention.js";
import { Lifecycle } from "./domain/statuses.js";
import { Subscriptions } from "./domain/subscriptions.js";
import { Templates } from "./domain/templates.js";
import { Triage } from "./domain/triage.js";
import { Engine } from "./engine/engine.js";
import { type FlowCommand, flowCommands } from "./engine/flow.js";
import { Metrics } from "./http/metrics.js";
import { CODE_KEYS } from "./locale/code-keys.js";
import type { Language } from "./locale/languages.js";
import { LocaleError, loadTexts, type Texts } from "./locale/texts.js";
import { loadCorpus } from "./nlu/corpus.js";
import { trainUnderstanding } from "./nlu/index.js";
import { modelCacheIn } from "./nlu/model-cache.js";
import { AnnouncementDispatcher } from "./notify/announcement-dispatch.js";
import { CommitmentDispatcher } from "./notify/commitment-dispatch.js";
import { Delivery } from "./notify/delivery.js";
import { Dispatcher } from "./notify/dispatch.js";
import { stillWanted } from "./notify/wanted.js";
import type { AdminDeps } from "./secretariat/admin-commands.js";
import { loadDataSecret } from "./store/data-secret.js";
import { openStore } from "./store/index.js";
import type { Store } from "./store/ports.js";
import { citizenPseudonym, PseudonymousEvents } from "./store/pseudonymous-events.js";
import { type Clock, DAY_MS, systemClock } from "./util/clock.js";
import { ConfigFileError } from "./util/config-file.js";
import { createLogger, type Logger } from "./util/logger.js";
import { keepMemoryReducerWorking } from "./util/memory-reducer.js";
import { createPseudonymizer, type Pseudonymizer } from "./util/pseudonym.js";

export interface App {
  config: Config;
  /** What /metrics shows: messages in and out, handling time, the outbox, reports by status. */
  metrics: Metrics;
  deployment: Deployment;
  /** The language of a citizen whose channel says nothing: DEFAULT_LANGUAGE, or the deployment's first. */
  defaultLanguage: Language;
  conversations: ConversationService;
  /** The commands the flows declare (Telegram's menu). */
  flowCommands: FlowCommand[];
  /** The outbox worker: what the bot sends on its own initiative, through the transports channels register. */
  delivery: Delivery;
  /** What a report's change sets off: notices to its followers, its card for the secretariat. */
  dispatcher: Dispatcher;
  /** What a commitment's change sets off: notices to its followers and its linked reports' citizens. */
  commitmentDispatcher: CommitmentDispatcher;
  /** An announcement whose time came: one outbox row per recipient. */
  announcementDispatcher: AnnouncementDispatcher;
  /** The Secretariado Técnico's operations, for its Telegram group, the panel and the command line. */
  secretariat: Secretariat;
  /** The Planes de Acción Municipales: import, export, reports linked to commitments (the command line). */
  plans: Plans;
  store: Store;
  texts: Texts;
  municipalities: Municipalities;
  /** The report categories of each municipality (config/categories.yaml). */
  categories: Categories;
  /** Citizens' data rights ("mis datos"), their requests for the secretariat, and the retention job. */
  dataRights: DataRights;
  /** The links to the file of a citizen's data. */
  exportLinks: DataExportLinks;
  /** A key for one purpose (`panel-session`…) derived from the data secret: the same in every process and after a restart. */
  keyFor(purpose: string): Buffer;
  /** The file itself, for the download page and the channels that send it in the chat. */
  myDataFiles: MyDataFiles;
  /** The retention job: closed reports de-identified after RETENTION_DAYS, once an hour. */
  retention: RetentionJob;
  /** What open data shows of a report: the de-identified projection's context (domain/open-data.ts). */
  openData: Omit<OpenDataContext, "mediaUrl"> & { contact: string };
  /** The integral privacy notice, in every language (config/privacy/). */
  privacyNotice: PrivacyNotice;
  /** Where citizens reach the HTTP server: links the bot sends start here. */
  publicUrl: string;
  logger: Logger;
  /** The one clock (tests move it). */
  clock: Clock;
  /** How a chat is named in log lines. */
  pseudonym: Pseudonymizer;
  /**
   * What start-up leaves for once the bot listens: the audit trail's entries (the embedded store
   * opens without waiting for them), then its entries written before it named citizens by
   * pseudonym converted. Once; rejects when the trail cannot be read (the process cannot go on).
   */
  finishStarting(): Promise<void>;
  close(): Promise<void>;
}

/** What the secretariat's faces (the Telegram group, the web panel, the command line) act through. */
export interface Secretariat {
  members: Members;
  chats: LinkedChats;
  triage: Triage;
  /** Conversations of citizens who asked for a person ("hablar"). */
  handoffs: Handoffs;
  /** Citizens' replies to the secretariat's public answers, relayed where the secretariat works. */
  replies: ReportReplies;
  /** The reports' photos, for their cards. */
  photos: Photos;
  /** Milestones done, dates moved, indicators updated on the plan's commitments. */
  commitments: CommitmentUpdates;
  /** The plans as they are read: lists with progress, one commitment. */
  plansView: CitizenPlans;
  /** Announcements to the municipality's groups, channels and subscribers: compose, schedule, cancel, status. */
  announcements: Announcements;
  /** Citizens subscribed to announcements. */
  subscriptions: Subscriptions;
  areas: Areas;
  templates: Templates;
  lifecycle: Lifecycle;
}

/** What `npm run admin -- member …` and `reports list` work with. */
export function adminDeps(app: App, chatRights?: AdminDeps["chatRights"]): AdminDeps {
  const { secretariat } = app;
  return {
    members: secretariat.members,
    announcements: secretariat.announcements,
    chats: secretariat.chats,
    photos: secretariat.photos,
    reports: app.store.reports,
    municipalities: app.municipalities,
    lifecycle: secretariat.lifecycle,
    timeZone: app.deployment.timeZone,
    chatRights,
    dataRequests: (limit, municipality) => app.dataRights.requests(limit, municipality),
    orphanPhotos: {
      media: app.store.media,
      holders: [() => app.conversations.photosHeld(), () => app.store.reports.photoIds(), () => app.store.announcements.photoIds()],
    },
    now: () => app.clock.now(),
  };
}

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** Keep the embedded store in memory only: for benchmarks, never for citizens' data. */
  inMemoryStore?: boolean;
  /** Use this store instead of opening one (tests that make the store fail on purpose). */
  store?: Store;
  /** First pause before messages kept during a store outage are tried again. */
  retryMs?: number;
  /**
   * The running bot (service.ts): the embedded store opens without reading the audit trail, which
   * `finishStarting` reads once the bot listens. Commands (admin, chat) read it before they start, so
   * a damaged trail stops them before they write anything.
   */
  auditTrailAfterStart?: boolean;
}

/**
 * The language understanding for this deployment: its corpora, its municipalities' names and its folios
 * (trained once per process, and how long that took); `cacheDir`: where its trained classifier is kept
 * between starts.
 */
export function understandingFor(localesDir: string, municipalities: Municipalities, deployment: Deployment, cacheDir?: string) {
  return trainUnderstanding(localesDir, {
    ...(cacheDir ? { cache: modelCacheIn(cacheDir) } : {}),
    municipalities: {
      ...Object.fromEntries(municipalities.list.map((m) => [m.cvegeo, municipalities.names(m.cvegeo)])),
      // «bache en Almoloya»: a municipality named, which one to be asked (the flows search by the text named).
      ...Object.fromEntries(municipalities.sharedFirstWords().map((word) => [`${SEVERAL_MUNICIPALITIES}${word.toLowerCase()}`, [word]])),
    },
    folio: { pattern: folioMentions(deployment.folioDigits), read: (text) => readFolio(text, deployment.folioDigits) },
  });
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  // Everything that can be wrong in files is checked before the store is opened.
  const deployment = loadDeployment(join(config.CONFIG_DIR, "deployment.yaml"));
  const defaultLanguage = config.DEFAULT_LANGUAGE ?? deployment.defaultLanguage;
  if (!deployment.languages.includes(defaultLanguage)) {
    throw new ConfigFileError(`DEFAULT_LANGUAGE=${defaultLanguage} is not among the languages of config/deployment.yaml (${deployment.languages.join(", ")})`);
  }
  const texts = await loadTexts(config.LOCALES_DIR, { languages: deployment.languages, timeZone: deployment.timeZone, required: CODE_KEYS });
  const flows = loadFlowsFromDir(config.FLOWS_DIR, { actions: ACTION_NAMES, missingKey: texts.missingKey });
  const lifecycle = Lifecycle.load(join(config.CONFIG_DIR, "statuses.yaml"), texts.missingKey);
  const categories = Categories.load(join(config.CONFIG_DIR, "categories.yaml"), texts.missingKey, deployment.municipalityKey);
  const engineCtx = {
    t: (lang: Parameters<Texts["t"]>[0], key: string) => texts.t(lang, key),
    words: (name: string) => texts.words(name),
    corruption: categories.corruption,
  };
  const areas = Areas.load(join(config.CONFIG_DIR, "areas.yaml"), deployment.municipalityKey);
  const templates = Templates.load(join(config.CONFIG_DIR, "templates"), deployment.languages, lifecycle.all);
  const authority = loadAuthority(join(config.CONFIG_DIR, "authority.yaml"), deployment.languages);
  const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  const textGlobals = (lang: Language) => authorityParams(authority, lang, privacyUrl(publicUrl, lang, defaultLanguage), defaultLanguage);
  const privacyNotice = PrivacyNotice.load(join(config.CONFIG_DIR, "privacy"), deployment.languages, defaultLanguage, textGlobals);
  const municipalities = Municipalities.load(config.REFERENCE_DIR, deployment);
  const { understander, ms: trainingMs } = await understandingFor(config.LOCALES_DIR, municipalities, deployment, join(config.DATA_DIR, "cache"));
  // Each problem others handle (`outside` in the corpora) has its notice in every language.
  for (const value of Object.keys(loadCorpus(config.LOCALES_DIR).entities.outside ?? {})) {
    const missing = texts.missingKey(`global.outside.${value}`);
    if (missing.length)
      throw new LocaleError(`${join(config.LOCALES_DIR, missing[0])}: the notice global.outside.${value} is missing (nlu/entities.yaml names it)`);
  }
  logger.debug({ ms: Math.round(trainingMs) }, "language understanding ready");

  const pseudonym = createPseudonymizer(config.LOG_PSEUDONYM_KEY);
  // The running bot's start-up does not wait for the audit trail (the embedded store): see `auditTrailAfterStart`.
  const store = options.store ?? (await openStore(config, { inMemory: options.inMemoryStore, logger, background: options.auditTrailAfterStart }));
  const dataSecret = await loadDataSecret(config, store, { inMemory: options.inMemoryStore });
  /** A key for one purpose, from the data secret: the same across restarts and processes. */
  const keyFor = (purpose: string) => createHmac("sha256", dataSecret).update(`key:${purpose}`).digest();
  // The audit trail names citizens by pseudonym; entries written before it did are converted once
  // it is read (`finishStarting`, or the first call to it: every call waits for that).
  const events = new PseudonymousEvents(store.events, citizenPseudonym(dataSecret));
  store.events = events;
  const citizens = new Citizens(store.citizens, clock);
  const reports = new Reports(
    store.reports,
    store.counters,
    municipalities,
    categories,
    clock,
    {
      timeZone: deployment.timeZone,
      digits: deployment.folioDigits,
    },
    lifecycle,
  );
  const photos = new Photos(store.media, Math.round(config.PHOTO_MAX_MB * 1024 * 1024), clock);
  const members = new Members(store.members, municipalities, clock);
  const chats = new LinkedChats(store.chats, members, clock);
  const handoffs = new Handoffs(store.handoffs, chats, store.events, clock);
  const today = () => calendarDate(clock.now(), deployment.timeZone);
  const citizenPlans = new CitizenPlans(store.plans, store.commitments, store.commitmentFollows, clock, today);
  // Every text may also show the whole privacy notice ("privacidad" in the chat).
  const globalsByLang = new Map(
    deployment.languages.map((lang) => {
      const globals = textGlobals(lang);
      return [lang, { ...globals, privacy: { ...globals.privacy, full: privacyNotice.plain(lang) } }];
    }),
  );
  const renderer = new Renderer(texts, (lang) => globalsByLang.get(lang) ?? textGlobals(lang));
  const metrics = new Metrics(store, clock);
  const delivery = new Delivery({
    leaseMs: config.OUTBOX_LEASE_SECONDS * 1000,
    outbox: store.outbox,
    clock,
    logger,
    pseudonym,
    storeUnavailable: (err) => store.unavailable(err),
    wanted: (item) => wanted(item),
    // The platform refused for good: a citizen who blocked the bot gets no more announcements, a
    // channel or group that took the bot's rights away is marked until it is fixed.
    onRefused: async (item) => {
      await subscriptions.blocked(item.channel, item.chatId);
      if (item.kind === "announcement" && item.channel === "telegram") {
        const [linked] = await chats.setProblem(item.chatId, "refused");
        if (linked)
          logger.warn(
            { chat: pseudonym(`telegram:${item.chatId}`), municipality: linked.municipality },
            "telegram: an announcements chat refused the bot's message",
          );
      }
    },
  });
  const dispatcher = new Dispatcher({
    reports: store.reports,
    follows: store.follows,
    citizens: store.citizens,
    delivery,
    texts,
    lifecycle,
    areas,
    categories,
    clock,
    logger,
    // "¿Se resolvió?" in the citizen's conversation, when nothing is in progress there.
    ask: (link, notice) => conversations.ask(link, notice),
    merge: (original, hearing) => following.merged(original, hearing),
  });
  const triage = new Triage(store.reports, store.events, lifecycle, areas, clock, deployment.folioDigits, () => dispatcher.wake());
  const commitmentDispatcher = new CommitmentDispatcher({
    commitments: store.commitments,
    follows: store.commitmentFollows,
    reports: store.reports,
    reportFollows: store.follows,
    citizens: store.citizens,
    delivery,
    texts,
    municipalities,
    clock,
    logger,
  });
  const commitments = new CommitmentUpdates(store.commitments, store.events, clock, today, () => commitmentDispatcher.wake());
  const plans = new Plans(store.plans, store.commitments, store.reports, store.events, municipalities, clock, deployment.folioDigits, () =>
    commitmentDispatcher.wake(),
  );
  const dataRights = new DataRights({
    citizens: store.citizens,
    conversations: store.conversations,
    reports: store.reports,
    follows: store.follows,
    commitmentFollows: store.commitmentFollows,
    subscriptions: store.subscriptions,
    handoffs: store.handoffs,
    events: store.events,
    media: store.media,
    outbox: store.outbox,
    lifecycle,
    clock,
    timeZone: deployment.timeZone,
    // A de-identified report's card in the group loses the citizen's text too.
    changed: () => dispatcher.wake(),
    // The short texts the understanding remembers may hold some of theirs (a name typed once).
    erased: () => understander.forget(),
  });
  const exportLinks = new DataExportLinks(dataSecret, clock);
  const myDataFiles = new MyDataFiles(exportLinks, dataRights, clock);
  const subscriptions = new Subscriptions(store.subscriptions, store.events, clock);
  const announcements = new Announcements({
    repo: store.announcements,
    counters: store.counters,
    events: store.events,
    outbox: store.outbox,
    citizens: store.citizens,
    subscriptions,
    photos,
    chats,
    members,
    texts,
    languages: deployment.languages,
    groupLanguage: defaultLanguage,
    clock,
    wake: () => announcementDispatcher.wake(),
  });
  const wanted = stillWanted({ announcements, citizens: store.citizens });
  const announcementDispatcher = new AnnouncementDispatcher({ announcements, delivery, municipalities, texts, clock, logger });
  const resolution = new Resolution(store.reports, triage, store.follows, store.events, lifecycle, clock);
  const replies = new ReportReplies(triage, resolution);
  const secretariat: Secretariat = {
    members,
    chats,
    triage,
    handoffs,
    replies,
    commitments,
    plansView: citizenPlans,
    announcements,
    subscriptions,
    areas,
    templates,
    lifecycle,
    photos,
  };
  const following = new Following(store.reports, store.follows, store.events, lifecycle, clock, () => dispatcher.wake());
  const actions = createActions({
    citizens,
    reports,
    photos,
    municipalities,
    categories,
    texts,
    handoffs,
    plans: citizenPlans,
    subscriptions,
    announcements,
    today,
    timeZone: deployment.timeZone,
    privacyVersion: authority.privacy.version,
    following,
    resolution,
    replies,
    areas,
    publicReport: (report) => publicReport(report, municipalities),
    dataRights,
    exportLinks,
    publicUrl,
    draftDays: config.DRAFT_DAYS,
    conversationDays: config.CONVERSATION_DAYS,
    folioLookups: new FolioLookups(config.FOLIO_LOOKUPS_PER_HOUR, clock),
  });
  const conversations = new ConversationService({
    idKey: keyFor("message-ids"),
    delivery,
    engine: new Engine(flows, engineCtx),
    renderer,
    actions,
    citizens,
    conversations: store.conversations,
    events: store.events,
    observer: metrics,
    // A new report sets off its card in the secretariat's group.
    onEvents: (events) => {
      if (events.some((e) => e.type === "report_created")) dispatcher.wake();
    },
    inbound: store.inbound,
    photos,
    clock,
    logger,
    defaultLanguage,
    timeoutMs: config.CONVERSATION_TIMEOUT_MINUTES * 60 * 1000,
    storeUnavailable: (err) => store.unavailable(err),
    pseudonym,
    retryMs: options.retryMs,
    understand: (text, lang, options) => understander.understand(text, lang, options),
    writtenIn: (text) => understander.writtenIn(text),
    flood: { max: config.FLOOD_MAX_MESSAGES, windowMs: config.FLOOD_WINDOW_SECONDS * 1000 },
    draftPhotoKeepMs: config.DRAFT_PHOTO_DAYS * DAY_MS,
    draftKeepDays: config.DRAFT_DAYS,
    conversationKeepDays: config.CONVERSATION_DAYS,
  });
  // Memory a burst took is given back once the process is quieter, on Node 24 too (see the module).
  const stopMemoryReducerTimer = keepMemoryReducerWorking();
  const retention = new RetentionJob(dataRights, config.RETENTION_DAYS, logger);
  let finishing: Promise<void> | undefined;
  return {
    config,
    deployment,
    defaultLanguage,
    conversations,
    flowCommands: flowCommands(flows),
    delivery,
    dispatcher,
    commitmentDispatcher,
    metrics,
    announcementDispatcher,
    secretariat,
    plans,
    store,
    texts,
    municipalities,
    categories,
    dataRights,
    exportLinks,
    keyFor,
    myDataFiles,
    retention,
    openData: {
      lifecycle,
      municipalities,
      areas,
      categoryName: (category) => texts.t(defaultLanguage, `category.${category}`),
      contact: `${authority.authority.name} · ${authority.authority.emails.join(", ")} · ${authority.authority.website}`,
    },
    privacyNotice,
    publicUrl,
    logger,
    clock,
    pseudonym,
    finishStarting() {
      finishing ??= (async () => {
        if (store.finishLoading) {
          const t0 = performance.now();
          await store.finishLoading();
          logger.info({ ms: Math.round(performance.now() - t0) }, "audit trail read");
        }
        const entries = await events.convert();
        if (entries) logger.info({ entries }, "audit trail: chat ids replaced by pseudonyms");
      })();
      return finishing;
    },
    async close() {
      stopMemoryReducerTimer();
      await conversations.idle();
      conversations.stop();
      retention.stop();
      await dispatcher.stop();
      await commitmentDispatcher.stop();
      await announcementDispatcher.stop();
      await delivery.stop();
      await store.close();
    },
  };
}
