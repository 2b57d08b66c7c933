/**
 * The panel's authorization matrix: every route of the panel (read from the server's own route table,
 * so a new route without its row here fails) × every visitor — no session, a member of the report's
 * municipality (Metepec), a member of another (Toluca), an admin of all — → the status expected: 200,
 * 303 to the login, 401, 404 (what is not theirs does not exist), or 303 after an action (422 when the
 * action itself is refused, such as a move the lifecycle does not allow). Cells of the
 * visitors who may not act run first, and the store is checked unchanged after them.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminDeps } from "../src/app.js";
import { readPlanFile } from "../src/domain/plan/plan-file.js";
import { runAdmin } from "../src/secretariat/admin-commands.js";
import { sampleReport } from "./helpers/reports.js";
import { addMembers, METEPEC } from "./helpers/secretariat.js";
import { type RunningBot, runBot } from "./helpers/service.js";

type Who = "anonymous" | "member" | "foreign" | "admin";
const WHO: Who[] = ["anonymous", "foreign", "member", "admin"];

let bot: RunningBot;
const FOLIO = "MET-2026-000777";
/** The report's version as the page would show it now (a member's form carries the version they saw). */
let version = 1;
let commitment = { id: "", version: 1, milestone: 1, indicator: 1 };
let requestCode = "";
let example = "";

/** Every route of the panel the server knows: "METHOD /path", from its route table (HEAD aside). */
function panelRoutes(): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of bot.service.server.printRoutes().split("\n")) {
    // The radix tree: a node is a piece of a path; those with methods end a route.
    const m = /^(.*?)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1].length / 4;
    stack.push(m[2]);
    const path = stack.join("");
    if (!m[3] || !path.startsWith("/panel")) continue;
    for (const method of m[3].split(", ")) if (method !== "HEAD") out.push(`${method} ${path}`);
  }
  return out.sort();
}

/** Each route: how to call it (path with its parameters, a form that would succeed) and what each visitor gets. */
interface Row {
  path: () => string;
  form?: () => Record<string, string>;
  expect: Record<Who, number>;
}
const page = (member = 200, foreign = 200, admin = 200): Record<Who, number> => ({ anonymous: 303, member, foreign, admin });
const action = (foreign = 404): Record<Who, number> => ({ anonymous: 401, member: 303, foreign, admin: 303 });
const open = { anonymous: 200, member: 200, foreign: 200, admin: 200 };

const MATRIX: Record<string, Row> = {
  "GET /panel": { path: () => "/panel", expect: page() },
  "GET /panel/": { path: () => "/panel/", expect: page() },
  "GET /panel/assets/panel.css": { path: () => "/panel/assets/panel.css", expect: open },
  "GET /panel/assets/charts.js": { path: () => "/panel/assets/charts.js", expect: open },
  "GET /panel/assets/vendor/htmx.min.js": { path: () => "/panel/assets/vendor/htmx.min.js", expect: open },
  "GET /panel/assets/vendor/chart.umd.min.js": { path: () => "/panel/assets/vendor/chart.umd.min.js", expect: open },
  "GET /panel/login": { path: () => "/panel/login", expect: open },
  // A wrong password: the form again, whoever asks.
  "POST /panel/login": { path: () => "/panel/login", form: () => ({ telegramId: "2001", password: "not-the-password" }), expect: open },
  "POST /panel/logout": { path: () => "/panel/logout", form: () => ({}), expect: { anonymous: 401, member: 303, foreign: 303, admin: 303 } },
  // A bulk move of another municipality's report is refused inside (counted as failed), never applied.
  "POST /panel/bulk": { path: () => "/panel/bulk", form: () => ({ move: "en_revision", report: `${FOLIO_ID}:${version}` }), expect: action(303) },
  "GET /panel/reports/:folio": { path: () => `/panel/reports/${FOLIO}`, expect: page(200, 404) },
  "GET /panel/reports/:folio/photos/:n": { path: () => `/panel/reports/${FOLIO}/photos/0`, expect: page(200, 404) },
  // The bulk move above already put the report «En revisión»: those who may act are let through and the
  // lifecycle refuses the same move again (the page again, 422); the others never reach it.
  "POST /panel/reports/:folio/status": {
    path: () => `/panel/reports/${FOLIO}/status`,
    form: () => ({ version: String(version), to: "en_revision" }),
    expect: { anonymous: 401, member: 422, foreign: 404, admin: 422 },
  },
  "POST /panel/reports/:folio/answer": {
    path: () => `/panel/reports/${FOLIO}/answer`,
    form: () => ({ version: String(version), text: "Lo revisamos" }),
    expect: action(),
  },
  "POST /panel/reports/:folio/note": { path: () => `/panel/reports/${FOLIO}/note`, form: () => ({ version: String(version), text: "Nota" }), expect: action() },
  "POST /panel/reports/:folio/publish": {
    path: () => `/panel/reports/${FOLIO}/publish`,
    form: () => ({ version: String(version), text: "Bache" }),
    expect: action(),
  },
  "GET /panel/statistics": { path: () => "/panel/statistics", expect: page() },
  "GET /panel/plan": { path: () => "/panel/plan", expect: page() },
  "GET /panel/plan/export": { path: () => `/panel/plan/export?municipality=${METEPEC}&format=yaml`, expect: page(200, 404) },
  "POST /panel/plan/import": { path: () => "/panel/plan/import", form: () => ({ format: "yaml", file: example }), expect: action() },
  "POST /panel/plan/milestone-done": {
    path: () => "/panel/plan/milestone-done",
    form: () => ({
      commitment: commitment.id,
      version: String(commitment.version),
      milestone: String(commitment.milestone),
      evidence: "https://example.org/acta",
    }),
    expect: action(),
  },
  "POST /panel/plan/milestone-move": {
    path: () => "/panel/plan/milestone-move",
    form: () => ({
      commitment: commitment.id,
      version: String(commitment.version),
      milestone: String(commitment.milestone),
      due: "2099-12-31",
      reason: "Se amplió",
    }),
    expect: action(),
  },
  "POST /panel/plan/indicator": {
    path: () => "/panel/plan/indicator",
    form: () => ({ commitment: commitment.id, version: String(commitment.version), indicator: String(commitment.indicator), value: "50", date: "" }),
    expect: action(),
  },
  "GET /panel/announcements": { path: () => `/panel/announcements?municipality=${METEPEC}`, expect: page(200, 404) },
  "POST /panel/announcements/preview": {
    path: () => "/panel/announcements/preview",
    form: () => announcement,
    expect: { ...action(), member: 200, admin: 200 },
  },
  "POST /panel/announcements": { path: () => "/panel/announcements", form: () => announcement, expect: action() },
  "POST /panel/announcements/cancel": { path: () => "/panel/announcements/cancel", form: () => ({ municipality: METEPEC, id: "A-1" }), expect: action() },
  "GET /panel/operations": { path: () => "/panel/operations", expect: page(404, 404, 200) },
  "GET /panel/data-requests": { path: () => "/panel/data-requests", expect: page() },
  "POST /panel/data-requests/:code/done": { path: () => `/panel/data-requests/${requestCode}/done`, form: () => ({}), expect: action() },
};
let FOLIO_ID = "";
/** An announcement to Metepec's subscribers, now (the cancel row then finds it sent or withdraws it). */
const announcement = { municipality: METEPEC, text: "Mañana se corta el agua en el centro de 9 a 14 h.", audience: "subscribers", when: "" };

/** A browser's cookie jar. */
class Visitor {
  readonly cookies = new Map<string, string>();
  async request(method: string, url: string, form?: Record<string, string>): Promise<LightMyRequestResponse> {
    const res = await bot.service.server.inject({
      method: method as "GET" | "POST",
      url,
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      payload: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === "" || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  async call(route: string, row: Row): Promise<LightMyRequestResponse> {
    const method = route.split(" ")[0];
    if (method === "GET") return this.request("GET", row.path());
    const token = /name="_csrf" value="([^"]+)"/.exec((await this.request("GET", "/panel/login")).body)?.[1] ?? "";
    return this.request(method, row.path(), { ...(row.form?.() ?? {}), _csrf: token });
  }
}

const visitors = {} as Record<Who, Visitor>;

async function login(telegramId: string): Promise<Visitor> {
  const out = await runAdmin(["member", "password", "--telegram-id", telegramId], adminDeps(bot.service.app));
  const password = /shown this once: (\S+)/.exec(out.stdout)?.[1] ?? "";
  const v = new Visitor();
  const res = await v.call("POST /panel/login", { path: () => "/panel/login", form: () => ({ telegramId, password }), expect: open });
  expect(res.statusCode).toBe(303);
  return v;
}

/** What the visitors who may not act must leave as it was. */
async function snapshot(): Promise<string> {
  const app = bot.service.app;
  return JSON.stringify([
    await app.store.reports.byFolio(FOLIO),
    await app.store.commitments.forMunicipality(METEPEC),
    await app.dataRights.pending([METEPEC]),
  ]);
}

beforeAll(async () => {
  bot = await runBot({});
  const app = bot.service.app;
  await addMembers(bot);
  await app.secretariat.members.add({ name: "Admin General", role: "admin", municipalities: ["all"], telegramId: "9001" });
  const photo = await readFile(join(import.meta.dirname, "fixtures", "bache.png"));
  await app.store.media.put("matrix-photo", { data: photo, mimeType: "image/png" });
  const at = bot.clock.now();
  const report = { ...sampleReport({ createdAt: at, updatedAt: at, dispatchPending: false, dispatched: 1 }), folio: FOLIO, photos: ["matrix-photo"] };
  FOLIO_ID = report.id;
  await app.store.reports.insert(report);
  example = (await readFile("examples/plan-de-accion.example.yaml", "utf8")).replace(/^example: true\n/m, "");
  const parsed = readPlanFile("plan.yaml", example);
  await app.plans.import(parsed.plan, parsed.where);
  const c = (await app.store.commitments.forMunicipality(METEPEC)).find((x) => x.milestones.some((m) => !m.done) && x.indicators.length);
  if (!c) throw new Error("the example plan has no open milestone with an indicator");
  commitment = { id: c.id, version: c.version, milestone: c.milestones.find((m) => !m.done)?.number ?? 1, indicator: c.indicators[0].number };
  requestCode = (await app.dataRights.record("rectification", { id: "telegram:55", municipality: METEPEC }, "pending")).code;
  visitors.anonymous = new Visitor();
  visitors.member = await login("2001");
  visitors.foreign = await login("3001");
  visitors.admin = await login("9001");
}, 60_000);
afterAll(async () => {
  await bot?.stop();
});

describe("the panel's authorization matrix", () => {
  it("every route of the panel has its row, and every row a route", () => {
    expect(panelRoutes()).toEqual(Object.keys(MATRIX).sort());
  });

  it("every route × no session, a member of the municipality, one of another, an admin of all → the expected status; those who may not act change nothing", async () => {
    const failures: string[] = [];
    const before = await snapshot();
    // Logging out last: it ends the visitor's session.
    const routes = Object.keys(MATRIX).sort((a, b) => Number(a === "POST /panel/logout") - Number(b === "POST /panel/logout"));
    for (const who of WHO) {
      if (who === "member") expect(await snapshot(), "nothing changed by no session or another municipality's member").toBe(before);
      for (const route of routes) {
        const row = MATRIX[route];
        version = (await bot.service.app.store.reports.byFolio(FOLIO))?.version ?? 1;
        const res = await visitors[who].call(route, row);
        if (res.statusCode !== row.expect[who]) failures.push(`${route} as ${who}: ${res.statusCode}, expected ${row.expect[who]}`);
        if (who === "anonymous" && res.statusCode === 303 && !String(res.headers.location).startsWith("/panel/login")) {
          failures.push(`${route} as ${who}: redirected to ${res.headers.location}, not the login`);
        }
      }
    }
    expect(failures).toEqual([]);
    // The member's actions took effect (the matrix is not passing on refusals).
    const report = await bot.service.app.store.reports.byFolio(FOLIO);
    expect(report?.status).toBe("en_revision");
    expect(report?.publication?.description).toBe("Bache");
    expect(await bot.service.app.dataRights.pending([METEPEC])).toEqual([]);
  });
});
