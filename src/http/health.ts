/** `/healthz`: is the process up and its store answering. */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Store } from "../store/ports.js";
import { useZodSchemas } from "./schemas.js";

const healthSchema = z.object({ status: z.enum(["ok", "unavailable"]), store: z.enum(["embedded", "mongodb"]) });

export const healthPlugin: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
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
};
