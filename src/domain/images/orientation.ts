/**
 * The one piece of EXIF a cleaned photo keeps: its orientation (1–8), so a phone photo taken
 * sideways still shows upright. Read from a TIFF block (EXIF's body); written back as a TIFF block
 * holding that tag alone — no GPS, camera, date or name.
 */

const ORIENTATION_TAG = 0x0112;
const SHORT = 3;

/** The Orientation of IFD0 in a TIFF block, or 1 (upright) when absent or unreadable. */
export function readOrientation(tiff: Buffer): number {
  if (tiff.length < 8) return 1;
  const order = tiff.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (u16(entry) === ORIENTATION_TAG && u16(entry + 2) === SHORT) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** A TIFF block (big-endian) whose only tag is Orientation. */
export function orientationTiff(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write("MM", 0, "latin1");
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(ORIENTATION_TAG, 10);
  tiff.writeUInt16BE(SHORT, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  // bytes 20–21 pad the value; 22–25: no next IFD
  return tiff;
}

/** EXIF's own header before a TIFF block, in JPEG's APP1 (and in some WebP files). */
export const EXIF_HEADER = Buffer.from("Exif\0\0", "latin1");
