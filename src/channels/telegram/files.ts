/**
 * Photos on Telegram's servers: `getFile` for the path, then the download from the Bot API's file
 * endpoint, stopped as soon as it passes the size limit.
 */
import type { Api } from "grammy";
import { PhotoTooLargeError, type RemotePhoto } from "../../conversation/messages.js";

const DOWNLOAD_TIMEOUT_MS = 60_000;

export function telegramPhoto(api: Api, apiRoot: string, token: string, fileId: string, size: number | undefined): RemotePhoto {
  return {
    size,
    async read(maxBytes) {
      const file = await api.getFile(fileId);
      if (file.file_size !== undefined && file.file_size > maxBytes) throw new PhotoTooLargeError();
      if (!file.file_path) throw new Error("Telegram gave no path for the file");
      const url = `${apiRoot.replace(/\/+$/, "")}/file/bot${token}/${file.file_path}`;
      return download(url, maxBytes);
    },
  };
}

/** The body of `url`, refused as soon as it passes `maxBytes`. Errors never carry the URL (it holds the token). */
async function download(url: string, maxBytes: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
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
