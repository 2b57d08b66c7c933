/**
 * JPEG: walks every segment from SOI to EOI, keeps what decoding needs (tables, frame, scans and
 * Adobe's colour transform, its 12 bytes only) and drops every other application segment and
 * comment: EXIF (GPS, camera, date), XMP, IPTC, thumbnails, maker notes, the colour profile (its text
 * tags may name a device or a person; viewers draw the colours without it). Anything after EOI (a
 * second image, a vendor trailer) goes too. A file whose structure breaks anywhere is refused.
 */
import type { CleanImage } from "./clean-image.js";
import { EXIF_HEADER, orientationTiff, readOrientation } from "./orientation.js";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP1 = 0xe1;
const APP14 = 0xee;

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); not DHT (C4), JPG (C8), DAC (CC). */
function isFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Tables and markers decoding needs besides frames and scans: DHT, DAC, DQT, DNL, DRI, EXP. */
const TABLES = new Set([0xc4, 0xcc, 0xdb, 0xdc, 0xdd, 0xdf]);

/** Adobe's segment: «Adobe», its version, two flags and the colour transform; anything after it carries no pixels. */
const ADOBE_LENGTH = 12;

/** What of an application segment changes how pixels are drawn, not who took them: Adobe's colour transform, as its 12 bytes. */
function keptApp(marker: number, body: Buffer): Buffer | undefined {
  if (marker === APP14 && body.length >= ADOBE_LENGTH && body.toString("latin1", 0, 5) === "Adobe") return body.subarray(0, ADOBE_LENGTH);
  return undefined;
}

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** Where the entropy-coded data after a scan header ends: at the next marker that is not a restart. */
function scanEnd(b: Buffer, from: number): number {
  for (let j = from; j < b.length - 1; j++) {
    if (b[j] !== 0xff) continue;
    const next = b[j + 1];
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) continue;
    if (next === 0xff) continue;
    return j;
  }
  return -1;
}

export function cleanJpeg(b: Buffer): CleanImage | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== SOI) return undefined;
  const out: Buffer[] = [Buffer.from([0xff, SOI])];
  let orientation = 1;
  let frame: { width: number; height: number } | undefined;
  let scans = 0;
  let i = 2;
  for (;;) {
    if (i >= b.length || b[i] !== 0xff) return undefined;
    while (i < b.length && b[i] === 0xff) i++;
    if (i >= b.length) return undefined;
    const marker = b[i++];
    if (marker === EOI) {
      out.push(Buffer.from([0xff, EOI]));
      break;
    }
    if (marker === SOI || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) return undefined;
    if (i + 2 > b.length) return undefined;
    const length = b.readUInt16BE(i);
    if (length < 2 || i + length > b.length) return undefined;
    const body = b.subarray(i + 2, i + length);
    i += length;
    if (marker === SOS) {
      if (!frame || body.length < 1 || body.length !== 4 + 2 * body[0]) return undefined;
      const end = scanEnd(b, i);
      if (end < 0) return undefined;
      out.push(segment(marker, body), b.subarray(i, end));
      i = end;
      scans++;
    } else if (isFrame(marker)) {
      if (frame || body.length < 6) return undefined;
      const components = body[5];
      if (components < 1 || components > 4 || body.length !== 6 + 3 * components) return undefined;
      frame = { height: body.readUInt16BE(1), width: body.readUInt16BE(3) };
      out.push(segment(marker, body));
    } else if (TABLES.has(marker)) {
      out.push(segment(marker, body));
    } else if (marker >= 0xe0 && marker <= 0xef) {
      if (marker === APP1 && body.subarray(0, 6).equals(EXIF_HEADER)) orientation = readOrientation(body.subarray(6));
      const kept = keptApp(marker, body);
      if (kept) out.push(segment(marker, kept));
    }
    // Comments (FE) and reserved markers (F0–FD) carry no pixels: dropped.
  }
  if (!frame || scans === 0 || frame.width === 0 || frame.height === 0) return undefined;
  if (orientation !== 1) out.splice(1, 0, segment(APP1, Buffer.concat([EXIF_HEADER, orientationTiff(orientation)])));
  return { mimeType: "image/jpeg", width: frame.width, height: frame.height, data: Buffer.concat(out) };
}
