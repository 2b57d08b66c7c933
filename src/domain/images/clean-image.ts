/** A photo as the bot keeps it: its kind, size, and bytes without metadata. */
export interface CleanImage {
  mimeType: "image/jpeg" | "image/png" | "image/webp";
  width: number;
  height: number;
  /** The image without its metadata. */
  data: Buffer;
}
