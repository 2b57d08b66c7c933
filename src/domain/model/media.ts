/** A media id: what the domain hands out (a UUID), and all a store accepts as a name. */
export const MEDIA_ID = /^[a-zA-Z0-9-]{8,64}$/;

/**
 * The image type a file's first bytes declare, of the three the bot keeps (domain/images): what a
 * store that keeps only the bytes reads back as the photo's type. Undefined for anything else.
 */
export function declaredImageType(data: Uint8Array): "image/jpeg" | "image/png" | "image/webp" | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "image/jpeg";
  if (data.length >= 8 && PNG_SIGNATURE.every((byte, i) => data[i] === byte)) return "image/png";
  if (data.length >= 12 && ascii(data, 0, 4) === "RIFF" && ascii(data, 8, 12) === "WEBP") return "image/webp";
  return undefined;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(data: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...data.subarray(from, to));
}
