/**
 * Meta's Graph API for the WhatsApp Business Cloud API, over Node's fetch: send a message, mark one
 * read, look up a media id and download it, check the token. The API version is pinned here and
 * nowhere else; a failure is a GraphError carrying the HTTP status and Meta's error code (never the
 * token, the payload or a phone number), which the channel sorts into "wait", "retry" and "give up".
 */
import { PhotoTooLargeError } from "../../../conversation/messages.js";
import { download } from "../../download.js";

/**
 * The Graph API version every call uses. Meta supports a version for about two years: move it
 * forward here (and run the tests against the fake) when Meta announces the end of this one.
 */
export const GRAPH_API_VERSION = "v23.0";

const CALL_TIMEOUT_MS = 30_000;

/** Meta's error codes the channel acts on (developers.facebook.com › WhatsApp Cloud API › Error codes). */
export const GRAPH_ERRORS = {
  /** The access token expired or was revoked (OAuthException). */
  tokenExpired: 190,
  /** The account sent more than its throughput allows. */
  throughput: 130429,
  /** Too many messages to the same recipient in a short time (the pair rate limit). */
  pairRate: 131056,
  /** The recipient cannot receive the message (no WhatsApp, an old app, terms not accepted, blocked). */
  undeliverable: 131026,
  /** More than 24 hours since the citizen last wrote: only a template may go. */
  reEngagement: 131047,
} as const;

/** App- and account-level rate limits besides the two above. */
const RATE_CODES: ReadonlySet<number> = new Set([4, 80007, GRAPH_ERRORS.throughput, GRAPH_ERRORS.pairRate, 131048]);
/** Template problems (missing, paused, wrong parameters): the notice cannot go as a template for now. */
const TEMPLATE_CODES = /^132\d{3}$/;

export class GraphError extends Error {
  constructor(
    /** What was called, without ids: "messages", "media", "phone number". */
    readonly call: string,
    readonly status: number,
    readonly code: number | undefined,
    readonly title: string,
  ) {
    super(`Graph API ${call} failed: HTTP ${status}${code !== undefined ? ` code ${code}` : ""} ${title}`.trim());
    this.name = "GraphError";
  }

  get tokenRejected(): boolean {
    return this.code === GRAPH_ERRORS.tokenExpired || this.status === 401;
  }

  get rateLimited(): boolean {
    return this.code !== undefined && RATE_CODES.has(this.code);
  }

  /** Worth trying again soon: a rate limit, a server error, Meta's own "try again" flag. */
  get passing(): boolean {
    return this.rateLimited || this.status >= 500 || this.status === 0;
  }

  get unreachable(): boolean {
    return this.code === GRAPH_ERRORS.undeliverable;
  }

  get outsideWindow(): boolean {
    return this.code === GRAPH_ERRORS.reEngagement;
  }

  get templateRejected(): boolean {
    return this.code !== undefined && TEMPLATE_CODES.test(String(this.code));
  }
}

export interface GraphSettings {
  root: string;
  token: string;
  phoneNumberId: string;
}

/** A message body as the messages endpoint takes it, without `messaging_product` and `to`. */
export type GraphMessage = Record<string, unknown> & { type: string };

export class GraphApi {
  constructor(private readonly settings: GraphSettings) {}

  private url(path: string): string {
    return `${this.settings.root}/${GRAPH_API_VERSION}/${path}`;
  }

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.settings.token}` };
  }

  private async call(name: string, method: "GET" | "POST", path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(this.url(path), {
        method,
        headers: { ...this.auth, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (err) {
      throw new GraphError(name, 0, undefined, `(${(err as Error).name}: Meta not reachable)`);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || json.error) {
      const error = (json.error ?? {}) as { code?: unknown; type?: unknown };
      const code = typeof error.code === "number" ? error.code : undefined;
      // Meta's message may quote the recipient: only its type goes into ours.
      throw new GraphError(name, res.status, code, typeof error.type === "string" ? `(${error.type})` : "");
    }
    return json;
  }

  /** Sends one message to `to` (a WhatsApp id: the number with its country code); resolves with its id (wamid). */
  async send(to: string, message: GraphMessage): Promise<string> {
    const answer = await this.call("messages", "POST", `${this.settings.phoneNumberId}/messages`, {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to,
      ...message,
    });
    const id = (answer.messages as { id?: unknown }[] | undefined)?.[0]?.id;
    if (typeof id !== "string") throw new GraphError("messages", 200, undefined, "(no message id in the answer)");
    return id;
  }

  /** Marks a citizen's message as read (the two blue ticks). */
  async markRead(messageId: string): Promise<void> {
    await this.call("mark read", "POST", `${this.settings.phoneNumberId}/messages`, { messaging_product: "whatsapp", status: "read", message_id: messageId });
  }

  /** Checks the token and the phone number id; resolves with the number's display name when Meta gives it. */
  async phoneNumber(): Promise<{ verifiedName?: string }> {
    const answer = await this.call("phone number", "GET", `${this.settings.phoneNumberId}?fields=verified_name,display_phone_number`);
    return { verifiedName: typeof answer.verified_name === "string" ? answer.verified_name : undefined };
  }

  /** A citizen's media: its id → a short-lived URL (with its size) → the bytes, with the token, within `maxBytes`. */
  async media(mediaId: string, maxBytes: number): Promise<Buffer> {
    if (!/^[0-9]{1,40}$/.test(mediaId)) throw new GraphError("media", 400, undefined, "(not a media id)");
    const info = await this.call("media", "GET", mediaId);
    const size = typeof info.file_size === "number" ? info.file_size : Number(info.file_size ?? 0);
    if (size > maxBytes) throw new PhotoTooLargeError();
    if (typeof info.url !== "string" || !/^https?:\/\//.test(info.url)) throw new GraphError("media", 200, undefined, "(no URL for the media)");
    return download(info.url, maxBytes, this.auth);
  }
}
