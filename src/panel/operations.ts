/**
 * The operations page, for admins only (a 404 for everyone else): WhatsApp's state and, while it
 * waits to be linked, its QR code (the panel's login replaces the ADMIN_TOKEN page for this), the
 * members, and the newest entries of the audit trail (what happened, when and by whom; never text).
 */
import type { FastifyInstance } from "fastify";
import { ALL_MUNICIPALITIES, type Member } from "../domain/model/member.js";
import { qrSvg } from "../util/qr-svg.js";
import { notFound, pageContext } from "./context.js";
import type { PanelDeps } from "./deps.js";
import { sendPage } from "./views.js";

const TRAIL_SHOWN = 100;

export function operationsRoutes(app: FastifyInstance, deps: PanelDeps): void {
  app.get("/operations", async (req, reply) => {
    const member = req.member as Member;
    if (member.role !== "admin" || !member.municipalities.includes(ALL_MUNICIPALITIES)) return notFound(req, reply, deps);
    const ctx = pageContext(req, reply, deps, "operations");
    const whatsapp = deps.whatsapp?.();
    const qr = whatsapp?.state === "qr" && whatsapp.qr ? await qrSvg(whatsapp.qr, 280) : "";
    const members = await deps.members.list();
    const names = new Map(members.map((m) => [m.id, m.name]));
    const events = await deps.events.list({}, TRAIL_SHOWN);
    return sendPage(reply, "operations", ctx, {
      whatsapp: whatsapp?.state ?? "off",
      qr,
      members,
      municipalitiesOf: (m: Member) =>
        m.municipalities.map((k) => (k === ALL_MUNICIPALITIES ? ctx.words.t("operations.all") : (deps.municipalities.get(k)?.name ?? k))).join(", "),
      events,
      actor: (id: string) => names.get(id) ?? id,
      // What happened in words (a kind added later, without its text yet, shows as its code).
      eventName: (type: string) => {
        const name = ctx.words.t(`operations.event_types.${type}`);
        return name.startsWith("panel.") ? type : name;
      },
      municipalityName: (key: string | null) => (key ? (deps.municipalities.get(key)?.name ?? key) : ""),
    });
  });
}
