/**
 * The frame of the server's simple HTML pages (the privacy notice, the WhatsApp QR): language,
 * title, the shared stylesheet and favicon from `/assets/`. No inline script or style, so the
 * server's Content-Security-Policy holds.
 */
import { escapeHtml } from "../util/text.js";
import { ASSETS } from "./assets.js";

export interface PageParts {
  lang: string;
  title: string;
  /** HTML already escaped by the caller. */
  body: string;
  /** Seconds after which the browser reloads the page. */
  refresh?: number;
}

export function htmlPage({ lang, title, body, refresh }: PageParts): string {
  const t = escapeHtml(title);
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh ? `<meta http-equiv="refresh" content="${refresh}">\n` : ""}<title>${t}</title>
<link rel="icon" href="${ASSETS}favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS}page.css">
</head>
<body>
<header><h1>${t}</h1></header>
<main>
${body}
</main>
</body>
</html>
`;
}
