/** A browser's cookie jar over Fastify's inject, enough for the panel, and logging in as a member. */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { adminDeps } from "../../src/app.js";
import { runAdmin } from "../../src/secretariat/admin-commands.js";
import type { RunningBot } from "./service.js";

export class Visitor {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly server: FastifyInstance,
    readonly headers: Record<string, string> = {},
  ) {}
  async request(method: "GET" | "POST", url: string, form?: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
    const body = form
      ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString()
      : undefined;
    const res = await this.server.inject({
      method,
      url,
      headers: {
        ...this.headers,
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      },
      payload: body,
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === "" || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  get = (url: string) => this.request("GET", url);
  /** Posts a form with the CSRF token of the page it is on. */
  async submit(page: string, action: string, form: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
    const token = /name="_csrf" value="([^"]+)"/.exec((await this.get(page)).body)?.[1] ?? "";
    return this.request("POST", action, { ...form, _csrf: token });
  }
}

/** The password the command line gives a member, shown once. */
export async function panelPassword(bot: RunningBot, telegramId: string): Promise<string> {
  const out = await runAdmin(["member", "password", "--telegram-id", telegramId], adminDeps(bot.service.app));
  expect(out.code, out.stderr).toBe(0);
  return /shown this once: (\S+)/.exec(out.stdout)?.[1] ?? "";
}

/** A visitor logged in as the member with this Telegram id (a password is set for them first). */
export async function loggedInAs(bot: RunningBot, telegramId: string, headers: Record<string, string> = {}): Promise<Visitor> {
  const v = new Visitor(bot.service.server, headers);
  const res = await v.submit("/panel/login", "/panel/login", { telegramId, password: await panelPassword(bot, telegramId) });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(303);
  return v;
}
