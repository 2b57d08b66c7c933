/**
 * Downloads a file a platform keeps for us (a citizen's photo), stopped as soon as it passes the size
 * limit. Errors never carry the URL nor the headers: both may hold a token.
 */
import { PhotoTooLargeError } from "../conversation/messages.js";

const DOWNLOAD_TIMEOUT_MS = 60_000;

/** The body of `url`, refused with PhotoTooLargeError as soon as it passes `maxBytes`. */
export async function download(url: string, maxBytes: number, headers: Record<string, string> = {}): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(`file download failed: ${(err as Error).name}`);
  }
  if (!res.ok || !res.body) throw new Error(`file download failed: HTTP ${res.status}`);
  if (Number(res.headers.get("content-length") ?? 0) > maxBytes) {
    await res.body.cancel();
    throw new PhotoTooLargeError();
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of res.body) {
    total += part.byteLength;
    if (total > maxBytes) throw new PhotoTooLargeError();
    parts.push(Buffer.from(part));
  }
  return Buffer.concat(parts);
}
