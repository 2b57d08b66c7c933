/**
 * Composes the bot from configuration: texts, reference data, store, domain services, actions,
 * flows and the conversation runtime. Channels and the web server are attached by main.ts.
 */
import { join } from "node:path";
import type { Config } from "./config/settings.js";
import { ACTION_NAMES, createActions } from "./conversation/actions/index.js";
import { ConversationService } from "./conversation/conversations.js";
import { loadFlowsFromDir } from "./conversation/flow-files.js";
import { Renderer } from "./conversation/render.js";
import { loadAuthority } from "./domain/authority.js";
import { Categories } from "./domain/categories.js";
import { Citizens } from "./domain/citizens.js";
import { Municipalities } from "./domain/municipalities.js";
import { Photos } from "./domain/photos.js";
import { Reports } from "./domain/reports.js";
import { Engine } from "./engine/engine.js";
import { loadTexts, type Texts } from "./locale/texts.js";
import { openStore } from "./store/index.js";
import type { Store } from "./store/ports.js";
import { type Clock, systemClock } from "./util/clock.js";
import { createLogger, type Logger } from "./util/logger.js";
import { createPseudonymizer, type Pseudonymizer } from "./util/pseudonym.js";

export interface App {
  config: Config;
  conversations: ConversationService;
  store: Store;
  texts: Texts;
  municipalities: Municipalities;
  logger: Logger;
  /** How a chat is named in log lines. */
  pseudonym: Pseudonymizer;
  close(): Promise<void>;
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
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  // Everything that can be wrong in files is checked before the store is opened.
  const texts = await loadTexts(config.LOCALES_DIR);
  const engineCtx = { t: (lang: Parameters<Texts["t"]>[0], key: string) => texts.t(lang, key), words: (name: string) => texts.words(name) };
  const flows = loadFlowsFromDir(config.FLOWS_DIR, { actions: ACTION_NAMES, missingKey: texts.missingKey });
  const categories = Categories.load(join(config.CONFIG_DIR, "categories.yaml"), texts.missingKey);
  const authority = loadAuthority(join(config.CONFIG_DIR, "authority.yaml"));
  const municipalities = Municipalities.load(config.REFERENCE_DIR);

  const pseudonym = createPseudonymizer(config.LOG_PSEUDONYM_KEY);
  const store = options.store ?? (await openStore(config, { inMemory: options.inMemoryStore, logger }));
  const citizens = new Citizens(store.citizens, clock);
  const reports = new Reports(store.reports, store.counters, municipalities, categories, clock);
  const actions = createActions({ citizens, reports, municipalities, categories, texts, privacyVersion: authority.privacy.version });
  const renderer = new Renderer(texts, {
    authority: authority.authority,
    privacy: { version: authority.privacy.version, responsible: authority.privacy.responsible, url: authority.privacy.full_notice_url },
  });
  const conversations = new ConversationService({
    engine: new Engine(flows, engineCtx),
    renderer,
    actions,
    citizens,
    conversations: store.conversations,
    inbound: store.inbound,
    photos: new Photos(store.media, Math.round(config.PHOTO_MAX_MB * 1024 * 1024)),
    clock,
    logger,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    timeoutMs: config.CONVERSATION_TIMEOUT_MINUTES * 60 * 1000,
    storeUnavailable: (err) => store.unavailable(err),
    pseudonym,
    retryMs: options.retryMs,
  });
  return {
    config,
    conversations,
    store,
    texts,
    municipalities,
    logger,
    pseudonym,
    async close() {
      await conversations.idle();
      conversations.stop();
      await store.close();
    },
  };
}
