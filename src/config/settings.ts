/**
 * The one configuration object, parsed from the environment with zod. A bad value stops
 * start-up with one line naming the variable and what it accepts (its value only when it is no secret).
 */
import { z } from "zod";
import { LANGUAGES } from "../locale/languages.js";
import { uriSecrets } from "../util/secrets.js";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"], { message: "accepts true or false" }).transform((v) => v === "true" || v === "1" || v === "yes");

const schema = z.object({
  PORT: z.coerce.number({ message: "accepts a port number (0 picks a free one)" }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  /** Where citizens reach this server (links the bot sends, e.g. the privacy notice); unset: http://localhost:PORT. */
  PUBLIC_URL: z
    .url({ message: "accepts the http(s) address citizens reach this server at, such as https://chat.example.gob.mx", protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  DATA_DIR: z.string().min(1).default("var/data"),
  FLOWS_DIR: z.string().min(1).default("flows"),
  LOCALES_DIR: z.string().min(1).default("locales"),
  CONFIG_DIR: z.string().min(1).default("config"),
  REFERENCE_DIR: z.string().min(1).default("data"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "accepts fatal, error, warn, info, debug, trace or silent" })
    .default("info"),
  /** auto: readable lines on a terminal, JSON lines otherwise. */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"], { message: "accepts auto, json or pretty" }).default("auto"),
  /** Unset: the first language of config/deployment.yaml. */
  DEFAULT_LANGUAGE: z.enum(LANGUAGES, { message: `accepts ${LANGUAGES.join(" or ")}` }).optional(),
  CONVERSATION_TIMEOUT_MINUTES: z.coerce.number({ message: "accepts a number of minutes" }).positive().default(30),
  PHOTO_MAX_MB: z.coerce.number({ message: "accepts a size in megabytes" }).positive().max(50).default(5),
  /** Days of silence after which the photo of a report never sent is deleted, even while the report is offered back. */
  DRAFT_PHOTO_DAYS: z.coerce.number({ message: "accepts a number of days" }).positive().max(365).default(7),
  DRAFT_DAYS: z.coerce.number({ message: "accepts a number of days" }).positive().max(365).default(30),
  /** Days of silence after which a conversation holding no report unsent is deleted whole (at least DRAFT_DAYS; unset: 90, or DRAFT_DAYS when longer). */
  CONVERSATION_DAYS: z.coerce.number({ message: "accepts a number of days" }).positive().max(3650).optional(),
  /** How long a process holds an outbox message it is sending: after a crash, the time before another takes it over. */
  OUTBOX_LEASE_SECONDS: z.coerce.number({ message: "accepts a number of seconds" }).int().min(5).max(3600).default(60),
  /** Per conversation, on every channel: messages within FLOOD_WINDOW_SECONDS before it is told to slow down. */
  FLOOD_MAX_MESSAGES: z.coerce.number({ message: "accepts a number of messages" }).int().min(1).max(10_000).default(20),
  FLOOD_WINDOW_SECONDS: z.coerce.number({ message: "accepts a number of seconds" }).positive().max(3600).default(30),
  /** Web chat API requests a minute, per browser session and per address. */
  WEB_CHAT_SESSION_MAX_PER_MINUTE: z.coerce.number({ message: "accepts a number of requests" }).int().min(1).max(100_000).default(30),
  OPEN_DATA_MAX_PER_MINUTE: z.coerce.number({ message: "accepts a number of requests" }).int().min(1).max(1_000_000).default(60),
  FOLIO_LOOKUPS_PER_HOUR: z.coerce.number({ message: "accepts a number of lookups" }).int().min(1).max(10_000).default(20),
  RETENTION_DAYS: z.coerce.number({ message: "accepts a number of days" }).int().min(1).max(36_500).default(365),
  WEB_CHAT_ADDRESS_MAX_PER_MINUTE: z.coerce.number({ message: "accepts a number of requests" }).int().min(1).max(1_000_000).default(300),
  WEB_CHAT_ADDRESS_PHOTOS_PER_MINUTE: z.coerce.number({ message: "accepts a number of photos" }).int().min(1).max(1_000_000).default(30),
  /** Behind a reverse proxy: whose X-Forwarded-For to believe (Fastify's trustProxy). */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/, "accepts true, false, a number of proxies, or their addresses separated by commas")
    .transform((v): boolean | number | string => (v === "true" ? true : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v))
    .default(false),
  /** Hour of the day (0-23, the deployment's time zone) at which each secretariat group gets its daily digest; "off" sends none. */
  DIGEST_HOUR: z
    .string()
    .regex(/^(off|[01]?\d|2[0-3])$/, "accepts an hour from 0 to 23, or off")
    .transform((v) => (v === "off" ? null : Number(v)))
    .default(8),
  WEB_CHAT_ENABLED: bool.default(true),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "accepts a token from @BotFather, such as 123456:ABC-DEF…")
    .optional(),
  TELEGRAM_API_ROOT: z.url({ message: "accepts an http(s) URL", protocol: /^https?$/ }).default("https://api.telegram.org"),
  TELEGRAM_WEBHOOK_URL: z.url({ message: "accepts an https URL (http only for a local test server)", protocol: /^https?$/ }).optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, "accepts 16 to 256 letters, digits, _ or -")
    .optional(),
  /** Webhook updates handled at once after their 200; beyond, the answer waits for a place (Telegram then slows down). */
  TELEGRAM_WEBHOOK_HANDLING: z.coerce.number({ message: "accepts a number of updates" }).int().min(1).max(10_000).default(500),
  TELEGRAM_THROTTLE: bool.default(true),
  /** What the outbox sends to Telegram (announcements, notices), with TELEGRAM_THROTTLE on: messages a second, all chats together. */
  TELEGRAM_MAX_PER_SECOND: z.coerce.number({ message: "accepts a number of messages" }).int().min(1).max(1000).default(30),
  /** Per chat: the shortest pause between two messages of the outbox. */
  TELEGRAM_CHAT_INTERVAL_MS: z.coerce.number({ message: "accepts a number of milliseconds" }).int().min(0).max(60_000).default(1000),
  /** Per group or channel: the most messages of the outbox in a minute. */
  TELEGRAM_GROUP_MAX_PER_MINUTE: z.coerce.number({ message: "accepts a number of messages" }).int().min(1).max(6000).default(20),
  WHATSAPP_ENABLED: bool.default(false),
  /** `web`: whatsapp-web.js driving a linked phone; `cloud`: Meta's WhatsApp Business Cloud API (webhook on this server). */
  WHATSAPP_MODE: z.enum(["web", "cloud"], { message: "accepts web or cloud" }).default("web"),
  /** Cloud API: a permanent (system user) access token with whatsapp_business_messaging. */
  WHATSAPP_CLOUD_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_.|-]{20,1024}$/, "accepts the access token Meta gives (letters and digits, no spaces)")
    .optional(),
  /** Cloud API: the id of the business phone number (WhatsApp Manager › API Setup), not the number itself. */
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{5,30}$/, "accepts the phone number id Meta shows (digits only)")
    .optional(),
  /** Cloud API: the Meta app's secret, which signs every webhook request (X-Hub-Signature-256). */
  WHATSAPP_APP_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9]{16,128}$/, "accepts the app secret of the Meta app (App settings › Basic)")
    .optional(),
  /** Cloud API: any secret of your choosing, typed in Meta's webhook settings, echoed back in the handshake. */
  WHATSAPP_VERIFY_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, "accepts 16 to 256 visible characters, no spaces")
    .optional(),
  /** Cloud API: Meta's Graph API, or a local fake in tests. */
  WHATSAPP_GRAPH_API_ROOT: z
    .url({ message: "accepts an http(s) URL", protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ""))
    .default("https://graph.facebook.com"),
  /** Cloud API: the most messages a second across all chats (the account's throughput; 80 by default). */
  WHATSAPP_CLOUD_PER_SECOND: z.coerce.number({ message: "accepts a number of messages" }).int().min(1).max(1000).default(80),
  CHROMIUM_PATH: z.string().min(1).default("/usr/bin/chromium"),
  /** Per chat: the shortest pause between two messages the bot sends. */
  WHATSAPP_CHAT_INTERVAL_MS: z.coerce.number({ message: "accepts a number of milliseconds" }).int().min(0).max(60_000).default(1000),
  /** Across all chats: the most messages the bot sends in a minute. */
  WHATSAPP_MAX_PER_MINUTE: z.coerce.number({ message: "accepts a number of messages" }).int().min(1).max(6000).default(60),
  ADMIN_TOKEN: z.string().min(16, "accepts a secret of at least 16 characters").optional(),
  LOG_PSEUDONYM_KEY: z.string().min(16, "accepts a secret of at least 16 characters").optional(),
  /** Keys the links to "mis datos" files and the audit trail's pseudonyms; unset, generated once and kept in the store (store/data-secret.ts). */
  DATA_SECRET: z.string().min(32, "accepts a secret of at least 32 characters").optional(),
  /** The secretariat's web panel at /panel. */
  PANEL_ENABLED: bool.default(true),
  /** Signs the panel's session cookies; unset, a new random key at each start (members log in again). */
  PANEL_SESSION_KEY: z.string().min(32, "accepts a secret of at least 32 characters").optional(),
  /** The bearer token Prometheus sends for /metrics; unset, only private and loopback addresses are answered. */
  METRICS_TOKEN: z.string().min(16, "accepts a token of at least 16 characters").optional(),
  /** Hours a panel session lasts after login. */
  PANEL_SESSION_HOURS: z.coerce
    .number({ message: "accepts a number of hours" })
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, "accepts a mongodb:// or mongodb+srv:// URI")
    .optional(),
});

/** What the Cloud mode cannot run without: all named at once when missing. */
const CLOUD_REQUIRED = ["WHATSAPP_CLOUD_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"] as const;

/** CONVERSATION_DAYS when unset, unless DRAFT_DAYS is longer. */
const DEFAULT_CONVERSATION_DAYS = 90;

const refined = schema.superRefine((config, ctx) => {
  // A report unsent is forgotten first, and its citizen told when back: the conversation must outlive it.
  if (config.CONVERSATION_DAYS !== undefined && config.CONVERSATION_DAYS < config.DRAFT_DAYS) {
    ctx.addIssue({ code: "custom", path: ["CONVERSATION_DAYS"], message: `must be at least DRAFT_DAYS (${config.DRAFT_DAYS})` });
  }
  if (!config.WHATSAPP_ENABLED || config.WHATSAPP_MODE !== "cloud") return;
  const missing = CLOUD_REQUIRED.filter((key) => config[key] === undefined);
  if (missing.length) ctx.addIssue({ code: "custom", path: [missing[0]], message: `WHATSAPP_MODE=cloud needs ${missing.join(", ")}`, params: { missing } });
});

/** Settings with the defaults that depend on others filled in. */
const checked = refined.transform((config) => ({
  ...config,
  CONVERSATION_DAYS: config.CONVERSATION_DAYS ?? Math.max(DEFAULT_CONVERSATION_DAYS, config.DRAFT_DAYS),
}));

export type Config = z.output<typeof checked>;

/** Every setting's name, as `.env.example` must document it. */
export const CONFIG_KEYS = Object.keys(schema.shape);

/** Settings whose values are secrets: never printed, never logged, not even when they are wrong. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "ADMIN_TOKEN",
  "LOG_PSEUDONYM_KEY",
  "DATA_SECRET",
  "PANEL_SESSION_KEY",
  "METRICS_TOKEN",
  "MONGODB_URI",
  "WHATSAPP_CLOUD_TOKEN",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_VERIFY_TOKEN",
]);

export class ConfigError extends Error {}

/** Parses `env` (process.env by default); empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = checked.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "custom" && issue.message.startsWith("WHATSAPP_MODE=cloud needs")) throw new ConfigError(`missing ${issue.message}`);
    const name = String(issue.path[0]);
    const shown = SECRET_KEYS.has(name) ? name : `${name}=${JSON.stringify(cleaned[name] ?? "")}`;
    throw new ConfigError(`invalid ${shown}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The secret values set in `env`, with the parts a message may quote on its own (the password of a
 * MongoDB URI, decoded or not), for `redactSecrets`.
 */
export function secretValues(env: Record<string, string | undefined> = process.env): string[] {
  return [...SECRET_KEYS].flatMap((key) => {
    const value = env[key];
    return value ? uriSecrets(value) : [];
  });
}
