/**
 * The file of "mis datos": a link the chat gives, which downloads everything held about the citizen as
 * JSON for a few minutes. Nothing is stored for it: the link carries the citizen's id encrypted and
 * authenticated (AES-256-GCM) with its expiry, so it reveals nothing (a WhatsApp id is a phone number),
 * cannot be forged or altered, and the file is made when it is downloaded.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { Clock } from "../util/clock.js";
import type { DataRights } from "./data-rights.js";

export const MY_DATA_PATH = "/mis-datos";
/** How long a link works. */
export const EXPORT_LINK_MINUTES = 15;

export class DataExportLinks {
  private readonly key: Buffer;

  /** `secret`: the data secret (store/data-secret.ts), so links survive a restart and work in every process. */
  constructor(
    secret: string,
    private readonly clock: Clock,
  ) {
    this.key = createHash("sha256").update(`mis-datos:${secret}`).digest();
  }

  /** The path of a link for the citizen of `id`, valid for EXPORT_LINK_MINUTES. */
  path(id: string): string {
    const expires = this.clock.now().getTime() + EXPORT_LINK_MINUTES * 60_000;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ id, expires }), "utf8"), cipher.final()]);
    return `${MY_DATA_PATH}/${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  /** The citizen a token stands for, or undefined when it is forged, altered or expired. */
  read(token: string): string | undefined {
    try {
      const raw = Buffer.from(token.slice(0, 2000), "base64url");
      // base64url decoding skips what it cannot read: a token must be exactly what was handed out.
      if (raw.length < 29 || raw.toString("base64url") !== token) return undefined;
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      const { id, expires } = JSON.parse(text) as { id?: unknown; expires?: unknown };
      if (typeof id !== "string" || typeof expires !== "number" || expires < this.clock.now().getTime()) return undefined;
      return id;
    } catch {
      return undefined;
    }
  }
}

/** The type of the file: everything held, as JSON. */
export const MY_DATA_MIME = "application/json";

/**
 * The file itself, made when it is asked for: from a link's token (the download page) or from its path
 * (a channel that sends the file in the chat: Telegram, WhatsApp). Undefined when the link is not good.
 */
export class MyDataFiles {
  constructor(
    private readonly links: DataExportLinks,
    private readonly rights: Pick<DataRights, "held">,
    private readonly clock: Clock,
  ) {}

  /** The file of a token (`/mis-datos/<token>`'s last part). */
  async ofToken(token: string): Promise<Buffer | undefined> {
    const id = this.links.read(token);
    if (!id) return undefined;
    const held = await this.rights.held(id);
    return Buffer.from(JSON.stringify({ generated: this.clock.now().toISOString(), ...held }, null, 2), "utf8");
  }

  /** The file of a link's path (what a reply's `file.ref` holds). */
  ofPath(path: string): Promise<Buffer | undefined> {
    const prefix = `${MY_DATA_PATH}/`;
    return path.startsWith(prefix) ? this.ofToken(path.slice(prefix.length)) : Promise.resolve(undefined);
  }
}
