/** Photos sent by citizens: only real images, within a size limit, stored under a fresh id. */
import { randomUUID } from "node:crypto";
import type { MediaRepository } from "../store/ports.js";

const SIGNATURES: { mimeType: string; test: (b: Buffer) => boolean }[] = [
  { mimeType: "image/jpeg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mimeType: "image/png", test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mimeType: "image/webp", test: (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP" },
];

export type PhotoResult = { ok: true; mediaId: string } | { ok: false; reason: "too_large" | "not_an_image" };

export class Photos {
  constructor(
    private readonly media: MediaRepository,
    readonly maxBytes: number,
  ) {}

  /** The image type from the bytes themselves, whatever the sender claims. */
  static sniff(data: Buffer): string | undefined {
    return SIGNATURES.find((s) => data.length > 12 && s.test(data))?.mimeType;
  }

  async save(data: Buffer): Promise<PhotoResult> {
    if (data.length > this.maxBytes) return { ok: false, reason: "too_large" };
    const mimeType = Photos.sniff(data);
    if (!mimeType) return { ok: false, reason: "not_an_image" };
    const mediaId = randomUUID();
    await this.media.put(mediaId, { data, mimeType });
    return { ok: true, mediaId };
  }
}
