/**
 * `/metrics` for Prometheus (prom-client): messages in by channel and outcome, replies out by channel,
 * the time to handle a message, the outbox's depth and the age of its oldest message, reports by
 * status, and the process's own figures (event-loop lag, memory, CPU). Counts only: never a text, a
 * chat or a name. The store figures are read when Prometheus scrapes, so a scrape costs two queries.
 *
 * Who may read them: with METRICS_TOKEN, whoever sends it as a bearer token; without, only loopback and
 * private addresses (Prometheus beside the bot, in its network). Anyone else gets 404: the counts tell
 * when citizens write and how many reports each status holds, which is not for the public to time.
 */
import { BlockList, isIPv4 } from "node:net";
import type { FastifyPluginAsync } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ConversationObserver } from "../conversation/observer.js";
import type { ChannelName } from "../domain/model/channel.js";
import type { Store } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { sameSecret } from "../util/secrets.js";

export class Metrics implements ConversationObserver {
  readonly registry = new Registry();
  private readonly messagesIn: Counter<"channel" | "result">;
  private readonly messagesOut: Counter<"channel">;
  private readonly handleSeconds: Histogram<"channel">;

  constructor(store: Pick<Store, "outbox" | "reports">, clock: Clock) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "municipio_", eventLoopMonitoringPrecision: 20 });
    this.messagesIn = new Counter({
      name: "municipio_messages_in_total",
      help: "Messages from citizens, by channel and how they ended (processed, duplicate, deferred, limited, dropped, failed)",
      labelNames: ["channel", "result"],
      registers,
    });
    this.messagesOut = new Counter({
      name: "municipio_messages_out_total",
      help: "Replies sent while answering a message, by channel",
      labelNames: ["channel"],
      registers,
    });
    this.handleSeconds = new Histogram({
      name: "municipio_message_handle_seconds",
      help: "Time from a message's arrival to its last reply, by channel",
      labelNames: ["channel"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: "municipio_outbox_unsent",
      help: "Messages in the outbox not sent yet (notices, replies a channel could not take)",
      registers,
      async collect() {
        this.set((await store.outbox.depth()).unsent);
      },
    });
    new Gauge({
      name: "municipio_outbox_oldest_seconds",
      help: "Age of the oldest unsent message in the outbox (0 when it is empty)",
      registers,
      async collect() {
        const { oldest } = await store.outbox.depth();
        this.set(oldest ? Math.max(0, (clock.now().getTime() - new Date(oldest).getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: "municipio_reports",
      help: "Reports by status",
      labelNames: ["status"],
      registers,
      async collect() {
        this.reset();
        for (const [status, count] of Object.entries(await store.reports.countByStatus({}))) this.set({ status }, count);
      },
    });
  }

  handled(channel: ChannelName, result: string, seconds: number): void {
    this.messagesIn.inc({ channel, result });
    if (result === "processed") this.handleSeconds.observe({ channel }, seconds);
  }

  sent(channel: ChannelName): void {
    this.messagesOut.inc({ channel });
  }
}

/** Loopback and private networks (RFC 1918, unique local IPv6): where Prometheus scrapes from without a token. */
const INSIDE = new BlockList();
for (const [net, bits] of [
  ["127.0.0.0", 8],
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  INSIDE.addSubnet(net, bits, "ipv4");
INSIDE.addAddress("::1", "ipv6");
INSIDE.addSubnet("fc00::", 7, "ipv6");

/** Whether an address (as Fastify gives it, an IPv4 one perhaps mapped into IPv6) is loopback or private. */
export function isInside(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return isIPv4(v4) ? INSIDE.check(v4, "ipv4") : INSIDE.check(ip, "ipv6");
}

export const metricsPlugin: FastifyPluginAsync<{ metrics: Metrics; token?: string }> = async (app, { metrics, token }) => {
  app.get("/metrics", async (req, reply) => {
    const allowed = token ? sameSecret(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1], token) : isInside(req.ip);
    if (!allowed) return reply.code(token ? 401 : 404).send(token ? "unauthorized\n" : "not found\n");
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
