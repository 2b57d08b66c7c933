// The web chat in the browser: sends what the citizen types, presses, shares or photographs to
// /api/chat/messages and shows the bot's replies; listens to /api/chat/events (server-sent events)
// for what the bot says on its own, such as a report's notices, which arrive while the page is open
// and, when it was closed, on the next visit. Served as a file (the page's Content-Security-Policy
// allows no inline script). Works in insecure contexts too (plain HTTP on an intranet address), where
// crypto.randomUUID and geolocation do not exist.

/** From the JSON block the server fills: the page's labels in every language, the largest photo taken. */
const PAGE = JSON.parse(document.getElementById("page-data").textContent);
const LABELS = PAGE.labels;
const SESSION_KEY = "ma-session";
const TRANSCRIPT_KEY = "ma-transcript";
const DRAFT_KEY = "ma-draft";
/** Entries kept in the visible history after a reload. */
const MAX_ENTRIES = 300;
/** Long side of a photo sent, in pixels: a phone's 12 MP photo becomes about 300 KB. */
const PHOTO_MAX_SIDE = 1600;
const THUMB_SIDE = 240;
const GEO_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** A stream the server closed for good (not a passing drop, which EventSource retries itself) is opened again after this. */
const STREAM_RETRY_MS = 5000;
/** A visitor coming back is greeted with the menu unless the stream, once open, says within this that messages wait (a proxy may hold its events back). */
const READY_WAIT_MS = 3000;

const log = document.getElementById("log");
const form = document.getElementById("form");
const text = document.getElementById("text");
const sendButton = document.getElementById("send");
const restartButton = document.getElementById("restart");
const tools = document.getElementById("tools");
const locationButton = document.getElementById("location");
const photoButton = document.getElementById("photo-button");
const photoInput = document.getElementById("photo");

/** A version 4 UUID; `crypto.randomUUID` exists only in secure contexts, getRandomValues everywhere. */
function uuid() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Storage can be refused (private modes, full quota): the chat still works, it just forgets. */
function read(storage, key) {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}
function write(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    // nothing to do: the history is a convenience
  }
}

let lang = document.documentElement.lang;
let session = read(localStorage, SESSION_KEY);
/** What the log shows, kept for a reload: { kind: "bot" | "me" | "photo" | "location" | "error", ... }. */
let transcript = [];
try {
  const saved = JSON.parse(read(sessionStorage, TRANSCRIPT_KEY) ?? "[]");
  if (Array.isArray(saved)) transcript = saved;
} catch {
  transcript = [];
}
/** The bot's latest question: its bubble and its reply. */
let current = null;
let busy = false;

function label(key, params = {}) {
  const value = (LABELS[lang] ?? LABELS[document.documentElement.lang])[key] ?? "";
  return value.replace(/\{\{(\w+)\}\}/g, (_m, name) => String(params[name] ?? ""));
}

/** The page's own words follow the conversation's language. */
function applyLanguage(next) {
  if (!LABELS[next]) return;
  lang = next;
  document.documentElement.lang = next;
  document.title = label("title");
  document.getElementById("heading").textContent = label("heading");
  document.getElementById("text-label").textContent = label("input_label");
  log.setAttribute("aria-label", label("log_label"));
  text.placeholder = label("placeholder");
  sendButton.textContent = label("send");
  restartButton.textContent = label("restart");
  locationButton.textContent = label("share_location");
  photoButton.textContent = label("send_photo");
}

const LINK = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]|www\.[^\s<>"]+[^\s<>".,;:!?)\]]|\/[a-z][\w\-/]*(?:\?[\w=&-]+)?|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;

/** The address a piece of text links to, or null: web and mail addresses, and paths on this server. */
function hrefOf(part, before) {
  let href = part;
  if (part.startsWith("/")) {
    // A path only at the start of a word ("y/o" is no link).
    if (before && !/\s/.test(before)) return null;
  } else if (part.includes("@") && !part.includes("/")) href = `mailto:${part}`;
  else if (/^www\./i.test(part)) href = `https://${part}`;
  try {
    const url = new URL(href, location.href);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

/** Text with its web addresses and e-mails as links, built as DOM nodes (bot text is never HTML). */
function linked(content) {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const match of content.matchAll(LINK)) {
    const url = hrefOf(match[0], content[match.index - 1]);
    if (!url) continue;
    if (match.index > at) fragment.append(content.slice(at, match.index));
    const a = document.createElement("a");
    a.href = url.href;
    a.textContent = match[0];
    if (url.protocol !== "mailto:") {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    fragment.append(a);
    at = match.index + match[0].length;
  }
  if (at < content.length) fragment.append(content.slice(at));
  return fragment;
}

function remember(entry) {
  transcript.push(entry);
  if (transcript.length > MAX_ENTRIES) transcript = transcript.slice(-MAX_ENTRIES);
  write(sessionStorage, TRANSCRIPT_KEY, JSON.stringify(transcript));
}

function bubble(kind) {
  const div = document.createElement("div");
  div.className = `msg ${kind}`;
  log.appendChild(div);
  return div;
}

/** Draws one transcript entry; returns its element. */
function draw(entry) {
  if (entry.kind === "bot") {
    const div = bubble("bot");
    div.tabIndex = -1;
    div.append(linked(entry.text));
    if (entry.file && /^\/[a-z]/i.test(entry.file.href)) {
      // A file the bot made (mis datos): downloaded from this server under its name.
      const a = document.createElement("a");
      a.className = "file";
      a.href = entry.file.href;
      a.download = entry.file.name;
      a.textContent = entry.file.name;
      div.append(document.createElement("br"), a);
    }
    if (entry.choices?.length) {
      const box = document.createElement("div");
      box.className = "choices";
      for (const c of entry.choices) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = c.label;
        b.disabled = true;
        b.addEventListener("click", () => send({ choice: c.value }, { kind: "me", text: c.label }));
        box.appendChild(b);
      }
      div.appendChild(box);
    }
    return div;
  }
  if (entry.kind === "error") {
    const div = bubble("error");
    div.textContent = entry.text;
    return div;
  }
  const div = bubble("me");
  if (entry.kind === "photo") {
    if (entry.thumb) {
      const img = document.createElement("img");
      img.src = entry.thumb;
      img.alt = label("photo_sent");
      div.appendChild(img);
    }
    div.append(`📷 ${label("photo_sent")}`);
    if (entry.caption) {
      const caption = document.createElement("p");
      caption.className = "caption";
      caption.textContent = entry.caption;
      div.append(caption);
    }
  } else if (entry.kind === "location") {
    div.append(`📍 ${label("location_sent", { latitude: entry.latitude.toFixed(5), longitude: entry.longitude.toFixed(5) })}`);
  } else {
    div.textContent = entry.text;
  }
  return div;
}

function add(entry) {
  remember(entry);
  return draw(entry);
}

/** Only the latest question can be answered; its buttons and tools follow `busy`. */
function refreshControls() {
  for (const b of log.querySelectorAll(".choices button")) b.disabled = true;
  if (current && !busy) for (const b of current.element.querySelectorAll(".choices button")) b.disabled = false;
  const request = current?.entry.request;
  locationButton.hidden = request !== "location" || !window.isSecureContext || !navigator.geolocation;
  // Offered where asked, and where a photo sent now is taken all the same (at the menu it opens a report).
  photoButton.hidden = request !== "photo" && !current?.entry.takesPhoto;
  tools.hidden = locationButton.hidden && photoButton.hidden;
  locationButton.disabled = busy;
  photoButton.disabled = busy;
  // The box stays editable (the next message may be written meanwhile): a disabled or read-only box makes a
  // phone close its keyboard. Sending waits (`send`).
  sendButton.disabled = busy;
  restartButton.disabled = busy;
  log.setAttribute("aria-busy", String(busy));
}

let typing = null;
function setBusy(value) {
  busy = value;
  if (busy && !typing) {
    typing = document.createElement("div");
    typing.className = "typing";
    typing.textContent = label("waiting");
    log.appendChild(typing);
    log.scrollTop = log.scrollHeight;
  } else if (!busy && typing) {
    typing.remove();
    typing = null;
  }
  refreshControls();
}

/**
 * Shows the question with its buttons: the log ends at it (it is the last message), or, when it is
 * taller than the log, starts at its top. Unless the citizen is typing (`typing`: the focus stays in
 * the text box and a phone keeps its keyboard; the log's live region reads the reply), focus goes to
 * the question so a screen reader reads it next and its buttons are a Tab away.
 */
function present(question, { typing = false } = {}) {
  if (!question) {
    log.scrollTop = log.scrollHeight;
    return;
  }
  log.scrollTop = question.offsetHeight > log.clientHeight ? question.offsetTop - 8 : log.scrollHeight;
  if (typing) text.focus({ preventScroll: true });
  else question.focus({ preventScroll: true });
}

function showReplies(replies) {
  for (const r of replies) {
    if (r.lang && r.lang !== lang) applyLanguage(r.lang);
    const entry = { kind: "bot", text: r.text, choices: r.choices, request: r.request, takesPhoto: r.takesPhoto, file: r.file, lang: r.lang };
    current = { entry, element: add(entry) };
  }
}

/** Whether an entry asks something (its buttons, a location or a photo): the question the citizen answers. */
const asks = (entry) => Boolean(entry.choices?.length || entry.request);

/**
 * A message the bot sent on its own (a notice): added to the log, announced by its live region. A
 * notice that asks something becomes the question to answer; one that does not leaves the question
 * the citizen was answering as it was, buttons included.
 */
function showPushed(r) {
  // Sent again (its acknowledgement was lost): shown once.
  if (transcript.some((e) => e.pushed === r.id)) return;
  const entry = { kind: "bot", text: r.text, choices: r.choices, request: r.request, takesPhoto: r.takesPhoto, file: r.file, lang: r.lang, pushed: r.id };
  const element = add(entry);
  if (asks(entry)) {
    if (r.lang && r.lang !== lang) applyLanguage(r.lang);
    current = { entry, element };
    refreshControls();
    // Someone writing keeps the text box (and a phone its keyboard); the live region reads the notice.
    if (!busy) present(element, { typing: document.activeElement === text });
  } else if (!busy) {
    log.scrollTop = log.scrollHeight;
  }
}

let stream = null;
let streamSession = null;
/** The wait of the last `listen`: a new one (another session) ends it, so its menu never reaches the new session. */
let readyWait;
/**
 * Listens for what the bot says on its own. `onReady(waiting)`: called once, with how many messages
 * waited for this page (0: nothing did, or the stream cannot be had). The server tells it first
 * (`ready`), before it sends them one acknowledgement at a time; it is waited for from the moment
 * the stream is open, however slow the connection is to open it.
 */
function listen(onReady) {
  let ready = onReady;
  const settle = (waiting) => {
    clearTimeout(readyWait);
    if (!ready) return;
    const call = ready;
    ready = null;
    call(waiting);
  };
  clearTimeout(readyWait);
  if (typeof EventSource === "undefined" || !session) {
    settle(0);
    return;
  }
  stream?.close();
  streamSession = session;
  const source = new EventSource(`/api/chat/events?session=${encodeURIComponent(session)}`);
  stream = source;
  source.addEventListener("open", () => {
    if (ready) readyWait = setTimeout(() => settle(0), READY_WAIT_MS);
  });
  source.addEventListener("message", (e) => {
    let message;
    try {
      message = JSON.parse(e.data);
    } catch {
      return;
    }
    if (typeof message?.id !== "string" || typeof message.text !== "string") return;
    showPushed(message);
    // A message came before `ready` said so: something waited.
    settle(1);
    // Shown: the server may forget it (unacknowledged, it is sent again on the next visit).
    fetch("/api/chat/events/ack", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session: streamSession, id: message.id }),
      keepalive: true,
    }).catch(() => undefined);
  });
  source.addEventListener("ready", (e) => {
    let waiting = 0;
    try {
      waiting = Number(JSON.parse(e.data).waiting) || 0;
    } catch {
      waiting = 0;
    }
    settle(waiting);
  });
  source.addEventListener("error", () => {
    // A passing drop is retried by the browser; a stream closed for good is opened again here.
    if (source.readyState !== EventSource.CLOSED || stream !== source) return;
    settle(0);
    setTimeout(() => {
      if (stream === source && streamSession === session) listen();
    }, STREAM_RETRY_MS);
  });
}

function notice(message) {
  add({ kind: "error", text: message });
}

/**
 * Sends one message; while it is in flight nothing else can be sent. `typed`: it was written in the
 * text box, where the focus stays for the next one.
 */
async function send(payload, echo, { typed = false } = {}) {
  if (busy) return;
  if (echo) add(echo);
  setBusy(true);
  const before = current;
  // What came back, shown once the log is no longer busy: a live region may not announce what is added while busy.
  let outcome = () => notice(label("connection_error"));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch("/api/chat/messages", {
      method: "POST",
      // The language of any refusal (a photo too large, a full server) before the body is read.
      headers: { "content-type": "application/json", "accept-language": lang },
      body: JSON.stringify({ session, id: uuid(), lang, ...payload }),
      signal: controller.signal,
    });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    const replies = res.ok && Array.isArray(body?.replies) ? body.replies : null;
    const refusal = typeof body?.error === "string" ? body.error : null;
    if (replies) outcome = () => showReplies(replies);
    // A refusal the server explains in the citizen's language (a photo too large, too many messages, a
    // failure with its error id)…
    else if (refusal) outcome = () => notice(refusal);
    // … or a failure of something between the server and the browser.
    else outcome = () => notice(label(res.status >= 500 ? "server_error" : "connection_error"));
  } catch {
    // A lost connection, or no answer in time: the outcome set first.
  } finally {
    clearTimeout(timer);
  }
  setBusy(false);
  outcome();
  refreshControls();
  // The focus stays in the text box for someone writing, unless they moved it meanwhile (a link, the log).
  const writing = typed && [text, sendButton, document.body, null].includes(document.activeElement);
  if (current !== before) present(current.element, { typing: writing });
  else {
    // Nothing new to answer (a refusal, a lost connection): back to where the citizen was.
    present(null);
    text.focus({ preventScroll: true });
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const value = text.value.trim();
  if (!value || busy) return;
  text.value = "";
  write(sessionStorage, DRAFT_KEY, null);
  send({ text: value }, { kind: "me", text: value }, { typed: true });
});

// Pressing «Enviar» keeps the focus in the text box, so a phone keeps its keyboard open.
sendButton.addEventListener("mousedown", (e) => {
  if (document.activeElement === text) e.preventDefault();
});

text.addEventListener("input", () => write(sessionStorage, DRAFT_KEY, text.value || null));

// Typing while a question has the focus goes to the text box (a space or Enter still presses a button).
log.addEventListener("keydown", (e) => {
  if (busy || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1 || e.key === " ") return;
  if (e.target.closest("button, a")) return;
  text.focus();
});

locationButton.addEventListener("click", () => {
  if (busy) return;
  setBusy(true);
  let settled = false;
  const finish = (fn) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    setBusy(false);
    fn();
  };
  const failed = (key) => () => {
    notice(label(key));
    present(null);
    text.focus({ preventScroll: true });
  };
  // The browser's own timeout does not run while its permission prompt waits for an answer.
  const timer = setTimeout(() => finish(failed("location_timeout")), GEO_TIMEOUT_MS + 1000);
  navigator.geolocation.getCurrentPosition(
    (p) =>
      finish(() => {
        const { latitude, longitude } = p.coords;
        send({ location: { latitude, longitude } }, { kind: "location", latitude, longitude });
      }),
    (err) => finish(failed(err.code === err.TIMEOUT ? "location_timeout" : "location_unavailable")),
    { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: 60_000 },
  );
});

function dataUrlOf(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function drawScaled(bitmap, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const ctx = canvas.getContext("2d");
  // JPEG has no transparency: a transparent PNG gets a white background, not a black one.
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/**
 * A photo as the bot should receive it: decoded, turned upright, its long side at most 1,600 px, as
 * JPEG (which also leaves the camera's metadata, such as where it was taken, behind), with a
 * thumbnail for the conversation. A file the browser cannot decode goes as it is, for the server to
 * answer in the citizen's language.
 */
async function preparePhoto(file) {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const full = drawScaled(bitmap, PHOTO_MAX_SIDE);
    const thumb = drawScaled(bitmap, THUMB_SIDE).toDataURL("image/jpeg", 0.7);
    bitmap.close();
    const blob = await new Promise((resolve) => full.toBlob(resolve, "image/jpeg", 0.85));
    if (!blob) throw new Error("no JPEG");
    return { blob, thumb };
  } catch {
    return { blob: file, thumb: null };
  }
}

photoButton.addEventListener("click", () => photoInput.click());
photoInput.addEventListener("change", async () => {
  const file = photoInput.files[0];
  photoInput.value = "";
  if (!file || busy) return;
  setBusy(true);
  let photo;
  try {
    photo = await preparePhoto(file);
  } catch {
    setBusy(false);
    notice(label("photo_unreadable"));
    return;
  }
  // Larger than the server takes: said here, in the citizen's language, without uploading it for
  // nothing (a server refusing a body mid-upload often reaches the browser as a broken connection).
  if (photo.blob.size > PAGE.photoMaxBytes) {
    setBusy(false);
    notice(label("photo_too_large"));
    present(null);
    return;
  }
  const data = (await dataUrlOf(photo.blob)).split(",")[1];
  setBusy(false);
  // What is typed in the box goes with the photo, as its caption (as on WhatsApp and Telegram).
  const caption = text.value.trim();
  if (caption) {
    text.value = "";
    write(sessionStorage, DRAFT_KEY, null);
  }
  send({ photo: data, ...(caption ? { text: caption } : {}) }, { kind: "photo", thumb: photo.thumb, ...(caption ? { caption } : {}) });
});

/** Forgets this browser's conversation (history, draft, session) and starts a new one. */
function restart() {
  write(sessionStorage, TRANSCRIPT_KEY, null);
  write(sessionStorage, DRAFT_KEY, null);
  transcript = [];
  current = null;
  log.replaceChildren();
  text.value = "";
  session = uuid();
  write(localStorage, SESSION_KEY, session);
  listen();
  send({ text: label("greeting") });
}

// Once the visitor has said something, the page asks first: what is on it (and a report not yet sent) goes.
restartButton.addEventListener("click", () => {
  const said = transcript.some((e) => e.kind === "me" || e.kind === "photo" || e.kind === "location");
  if (!busy && (!said || window.confirm(label("restart_confirm")))) restart();
});

// Start: the history this tab kept, or a greeting for a new visitor, or the menu for one coming back.
const draft = read(sessionStorage, DRAFT_KEY);
if (draft) text.value = draft;
if (session && transcript.length) {
  // The question to answer: the latest reply, or a notice that asks something (a notice that only tells does not replace it).
  const lastBot = transcript.filter((e) => e.kind === "bot" && (!e.pushed || asks(e))).pop();
  if (lastBot?.lang) applyLanguage(lastBot.lang);
  for (const entry of transcript) {
    const element = draw(entry);
    if (entry === lastBot) current = { entry, element };
  }
  refreshControls();
  present(current?.element);
  listen();
} else if (session) {
  // Coming back: what the bot said meanwhile first; the menu only when there was nothing.
  refreshControls();
  listen((waiting) => {
    if (waiting === 0) send({ text: "menu" });
  });
} else {
  restart();
}
