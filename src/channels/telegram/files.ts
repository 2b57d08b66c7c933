/**
 * Photos on Telegram's servers: `getFile` for the path, then the download from the Bot API's file
 * endpoint, stopped as soon as it passes the size limit.
 */
import type { Api } from "grammy";
import { PhotoTooLargeError, type RemotePhoto } from "../../conversation/messages.js";
import { downloadFile } from "./http.js";

export function telegramPhoto(api: Api, apiRoot: string, token: string, fileId: string, size: number | undefined): RemotePhoto {
  return {
    size,
    async read(maxBytes) {
      const file = await api.getFile(fileId);
      if (file.file_size !== undefined && file.file_size > maxBytes) throw new PhotoTooLargeError();
      if (!file.file_path) throw new Error("Telegram gave no path for the file");
      const url = `${apiRoot.replace(/\/+$/, "")}/file/bot${token}/${file.file_path}`;
      return downloadFile(url, maxBytes);
    },
  };
}
