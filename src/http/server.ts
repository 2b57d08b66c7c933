/**
 * The HTTP server: Fastify with the health route. Every other route comes from the plugin that
 * a channel or feature contributes, registered by the composition root (service.ts).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyPluginOptions, LogController } from "fastify";
import type { Store } from "../store/ports.js";
import type { Logger } from "../util/logger.js";
import { healthPlugin } from "./health.js";

/** A plugin with the options it was made with: what a channel or feature hands to the server. */
export interface HttpContribution {
  /** Registers the plugin on the server with its options. */
  register(server: FastifyInstance): Promise<unknown>;
}

/** Pairs a plugin with its options, checked against each other. */
export function contribution<O extends FastifyPluginOptions>(plugin: FastifyPluginAsync<O>, options: O): HttpContribution {
  return { register: async (server) => server.register(plugin, options) };
}

export interface HttpServerOptions {
  logger: Logger;
  store: Store;
  plugins: HttpContribution[];
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: options.logger.child({ component: "http" }) as FastifyBaseLogger,
    // Request lines carry addresses of citizens: not logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await server.register(healthPlugin, { store: options.store });
  for (const plugin of options.plugins) await plugin.register(server);
  return server;
}
