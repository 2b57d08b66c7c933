/**
 * `/mis-datos/<token>`: the file of everything held about a citizen, from the link "mis datos" gives
 * in the chat (domain/data-export.ts). A download (JSON), never cached; an expired or altered link is a
 * 404 in the visitor's language.
 */
import type { FastifyPluginAsync } from "fastify";
import { MY_DATA_PATH, type MyDataFiles } from "../domain/data-export.js";

export interface MyDataPageOptions {
  files: MyDataFiles;
}

export const myDataPagePlugin: FastifyPluginAsync<MyDataPageOptions> = async (app, { files }) => {
  // A wildcard, not a `:token` parameter: a token is longer than the router's 100-character limit for
  // parameters (a web chat's or WhatsApp's id inside it), which would answer 414.
  app.get(`${MY_DATA_PATH}/*`, async (req, reply) => {
    const file = await files.ofToken((req.params as { "*": string })["*"]);
    if (!file) throw Object.assign(new Error("not found"), { statusCode: 404 });
    return reply
      .type("application/json; charset=utf-8")
      .header("content-disposition", 'attachment; filename="mis-datos.json"')
      .header("cache-control", "no-store")
      .send(file);
  });
};
