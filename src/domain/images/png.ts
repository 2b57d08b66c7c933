/**
 * PNG: checks the signature, the header and every chunk's CRC, keeps the chunks that decoding and
 * colour need and drops the rest: text (tEXt, zTXt, iTXt: comments, XMP), EXIF (eXIf), times
 * (tIME), animation and private chunks. An unknown critical chunk, a bad CRC or a missing IEND is refused.
 */
import { crc32 } from "node:zlib";
import type { CleanImage } from "./clean-image.js";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Critical chunks, then ancillary ones about colour and transparency. */
// Not iCCP: an ICC profile's text tags may name a device or a person (viewers draw the colours without it).
const KEEP = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs", "cICP"]);
/** Bit depths allowed for each colour type. */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export function cleanPng(b: Buffer): CleanImage | undefined {
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) return undefined;
  const out: Buffer[] = [SIGNATURE];
  let header: { width: number; height: number; colorType: number } | undefined;
  let palette = false;
  let data = false;
  let i = 8;
  for (;;) {
    if (i + 12 > b.length) return undefined;
    const length = b.readUInt32BE(i);
    const end = i + 12 + length;
    if (length > 0x7fffffff || end > b.length) return undefined;
    const type = b.toString("latin1", i + 4, i + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return undefined;
    if (crc32(b.subarray(i + 4, i + 8 + length)) !== b.readUInt32BE(i + 8 + length)) return undefined;
    const body = b.subarray(i + 8, i + 8 + length);
    if (!header) {
      if (type !== "IHDR" || length !== 13) return undefined;
      const [depth, colorType, compression, filter, interlace] = body.subarray(8, 13);
      if (!DEPTHS[colorType]?.includes(depth) || compression !== 0 || filter !== 0 || interlace > 1) return undefined;
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), colorType };
    } else if (type === "IHDR") {
      return undefined;
    }
    if (type === "PLTE") palette = true;
    if (type === "IDAT") data = true;
    const critical = type.charCodeAt(0) < 0x61;
    if (critical && !KEEP.has(type)) return undefined;
    if (KEEP.has(type)) out.push(b.subarray(i, end));
    i = end;
    if (type === "IEND") break;
  }
  if (!header || !data || header.width === 0 || header.height === 0 || (header.colorType === 3 && !palette)) return undefined;
  return { mimeType: "image/png", width: header.width, height: header.height, data: Buffer.concat(out) };
}
