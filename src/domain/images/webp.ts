/**
 * WebP: walks the RIFF container, reads the dimensions from the bitstream header (VP8, VP8L) or the
 * extended header (VP8X), keeps the image, alpha and animation chunks and drops EXIF (keeping only its
 * orientation), XMP, the colour profile (whose text tags may name a device or a person) and unknown chunks. Anything after the RIFF size goes.
 */
import type { CleanImage } from "./clean-image.js";
import { EXIF_HEADER, orientationTiff, readOrientation } from "./orientation.js";

const KEEP = new Set(["VP8X", "ANIM", "ANMF", "ALPH", "VP8 ", "VP8L"]);
const FLAG_EXIF = 0x08;
const FLAG_XMP = 0x04;
const FLAG_ICC = 0x20;

function chunk(fourcc: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat(body.length % 2 ? [head, body, Buffer.alloc(1)] : [head, body]);
}

/** Width and height of a lossy (VP8) key frame. */
function vp8Size(body: Buffer): { width: number; height: number } | undefined {
  if (body.length < 10 || (body[0] & 1) !== 0 || body[3] !== 0x9d || body[4] !== 0x01 || body[5] !== 0x2a) return undefined;
  return { width: body.readUInt16LE(6) & 0x3fff, height: body.readUInt16LE(8) & 0x3fff };
}

/** Width and height of a lossless (VP8L) image. */
function vp8lSize(body: Buffer): { width: number; height: number } | undefined {
  if (body.length < 5 || body[0] !== 0x2f) return undefined;
  const bits = body.readUInt32LE(1);
  if (bits >>> 29 !== 0) return undefined;
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

export function cleanWebp(b: Buffer): CleanImage | undefined {
  if (b.length < 20 || b.toString("latin1", 0, 4) !== "RIFF" || b.toString("latin1", 8, 12) !== "WEBP") return undefined;
  const riffEnd = 8 + b.readUInt32LE(4);
  if (riffEnd > b.length || riffEnd < 20) return undefined;
  const kept: { fourcc: string; body: Buffer }[] = [];
  let size: { width: number; height: number } | undefined;
  let image = false;
  let orientation = 1;
  let i = 12;
  while (i < riffEnd) {
    if (i + 8 > riffEnd) return undefined;
    const fourcc = b.toString("latin1", i, i + 4);
    const length = b.readUInt32LE(i + 4);
    if (i + 8 + length > riffEnd) return undefined;
    const body = b.subarray(i + 8, i + 8 + length);
    i += 8 + length + (length % 2);
    if (fourcc === "VP8X") {
      if (kept.length > 0 || length < 10) return undefined;
      size = { width: body.readUIntLE(4, 3) + 1, height: body.readUIntLE(7, 3) + 1 };
    } else if (fourcc === "VP8 " || fourcc === "VP8L") {
      const own = fourcc === "VP8 " ? vp8Size(body) : vp8lSize(body);
      if (!own) return undefined;
      size ??= own;
      image = true;
    } else if (fourcc === "ANMF") {
      image = true;
    } else if (fourcc === "EXIF") {
      orientation = readOrientation(body.subarray(0, 6).equals(EXIF_HEADER) ? body.subarray(6) : body);
    }
    if (KEEP.has(fourcc)) kept.push({ fourcc, body });
  }
  if (!image || !size || size.width === 0 || size.height === 0) return undefined;
  const extended = kept[0]?.fourcc === "VP8X";
  if (extended) {
    const header = Buffer.from(kept[0].body);
    header[0] &= ~(FLAG_EXIF | FLAG_XMP | FLAG_ICC);
    if (orientation !== 1) header[0] |= FLAG_EXIF;
    kept[0] = { fourcc: "VP8X", body: header };
    if (orientation !== 1) kept.push({ fourcc: "EXIF", body: orientationTiff(orientation) });
  }
  const chunks = kept.map((c) => chunk(c.fourcc, c.body));
  const head = Buffer.alloc(12);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(4 + chunks.reduce((n, c) => n + c.length, 0), 4);
  head.write("WEBP", 8, "latin1");
  return { mimeType: "image/webp", width: size.width, height: size.height, data: Buffer.concat([head, ...chunks]) };
}
