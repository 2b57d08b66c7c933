/**
 * `/mis-datos/<token>`: the file of everything held about a citizen, from the link "mis datos" gives
 * in the chat (domain/data-export.ts). A download (JSON), never cached; an expired or altered link is a
 * 404 in the visitor's language.
 */
import type { FastifyPluginAsync } from "fastify";
import { type DataExportLinks, MY_DATA_PATH } from "../domain/data-export.js";
import type { DataRights } from "../domain/data-rights.js";

export interface MyDataPageOptions {
  links: DataExportLinks;
  rights: DataRights;
}

export const myDataPagePlugin: FastifyPluginAsync<MyDataPageOptions> = async (app, { links, rights }) => {
  app.get(`${MY_DATA_PATH}/:token`, async (req, reply) => {
    const id = links.read((req.params as { token: string }).token);
    if (!id) throw Object.assign(new Error("not found"), { statusCode: 404 });
    const held = await rights.held(id);
    return reply
      .type("application/json; charset=utf-8")
      .header("content-disposition", 'attachment; filename="mis-datos.json"')
      .header("cache-control", "no-store")
      .send(JSON.stringify({ generated: new Date().toISOString(), ...held }, null, 2));
  });
};
