/** `/healthz`: is the process up and its store answering. */
import type { FastifyPluginAsync } from "fastify";
import type { Store } from "../store/ports.js";

export const healthPlugin: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get("/healthz", async (_req, reply) => {
    try {
      await store.ping();
      return { status: "ok", store: store.kind };
    } catch {
      return reply.code(503).send({ status: "unavailable", store: store.kind });
    }
  });
};
