/**
 * The project's own assets under `/assets/` (the stylesheet of the simple pages, the favicon),
 * and `/favicon.ico` for browsers that ask for it by that name. Nothing comes from a CDN.
 */
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

/** Where the shared assets are served; pages link them from here. */
export const ASSETS = "/assets/";

export const assetsPlugin: FastifyPluginAsync = async (app) => {
  // `wildcard: false`: one route per file present at start-up, nothing else under the folder.
  await app.register(fastifyStatic, { root: fileURLToPath(new URL("./public/", import.meta.url)), prefix: ASSETS, wildcard: false });
  app.get("/favicon.ico", (_req, reply) => reply.type("image/svg+xml").sendFile("favicon.svg"));
};
