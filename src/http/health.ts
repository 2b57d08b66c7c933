/**
 * `/healthz`: is the process up and its store answering (for a restart policy). `/readyz`: may it take
 * traffic — its store answers and every channel it runs is connected (for a load balancer; 503 with
 * what is not ready otherwise).
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Store } from "../store/ports.js";
import { useZodSchemas } from "./schemas.js";

const healthSchema = z.object({ status: z.enum(["ok", "unavailable"]), store: z.enum(["embedded", "mongodb"]) });

const readySchema = z.object({ ready: z.boolean(), store: z.boolean(), channels: z.record(z.string(), z.boolean()) });

export interface HealthOptions {
  store: Store;
  /** Whether each channel the bot runs is connected (Telegram polling or on its webhook, WhatsApp logged in). */
  channelsReady?: () => Record<string, boolean>;
}

export const healthPlugin: FastifyPluginAsync<HealthOptions> = async (app, { store, channelsReady }) => {
  // Its routes declare zod schemas (see http/schemas.ts), wherever the plugin is registered.
  useZodSchemas(app);
  app.get("/healthz", { schema: { response: { 200: healthSchema, 503: healthSchema } } }, async (_req, reply) => {
    try {
      await store.ping();
      return { status: "ok", store: store.kind };
    } catch {
      return reply.code(503).send({ status: "unavailable", store: store.kind });
    }
  });
  app.get("/readyz", { schema: { response: { 200: readySchema, 503: readySchema } } }, async (_req, reply) => {
    const storeReady = await store.ping().then(
      () => true,
      () => false,
    );
    const channels = channelsReady?.() ?? {};
    const ready = storeReady && Object.values(channels).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ ready, store: storeReady, channels });
  });
};
