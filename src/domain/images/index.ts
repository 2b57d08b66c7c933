/**
 * Photos as the bot keeps them: a JPEG, PNG or WebP whose structure holds from header to end, of
 * sensible dimensions, with every piece of metadata removed (where it was taken, with what, when,
 * by whom) except the orientation that keeps it upright. Pure JavaScript over the file's own
 * structure: the pixels are copied, never decoded or re-encoded.
 */
import type { CleanImage } from "./clean-image.js";
import { cleanJpeg } from "./jpeg.js";
import { cleanPng } from "./png.js";
import { cleanWebp } from "./webp.js";

export type { CleanImage } from "./clean-image.js";

/** Largest side and area accepted: beyond them a file is a decompression bomb, not a phone photo. */
export const MAX_SIDE = 30_000;
export const MAX_PIXELS = 120_000_000;

/** The cleaned image, or undefined when the bytes are not a whole JPEG, PNG or WebP of sensible size. */
export function cleanImage(data: Buffer): CleanImage | undefined {
  const image = cleanJpeg(data) ?? cleanPng(data) ?? cleanWebp(data);
  if (!image || image.width > MAX_SIDE || image.height > MAX_SIDE || image.width * image.height > MAX_PIXELS) return undefined;
  return image;
}
