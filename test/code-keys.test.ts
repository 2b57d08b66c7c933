/**
 * Locale keys the code uses are all in the registry start-up checks (src/locale/code-keys.ts), and a
 * key deleted from a locale file — used from code or nested with `$t()` — stops start-up in one line.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Fastify from "fastify";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { commandMenu, commandTable } from "../src/channels/telegram/commands.js";
import { chatPlugin } from "../src/channels/web/chat.js";
import { whatsappQrPagePlugin } from "../src/channels/whatsapp/qr-page.js";
import { ACTION_NAMES } from "../src/conversation/actions/index.js";
import type { ConversationService } from "../src/conversation/conversations.js";
import { loadFlowsFromDir } from "../src/conversation/flow-files.js";
import { flowCommands } from "../src/engine/flow.js";
import { CODE_KEY_FAMILIES, CODE_KEYS } from "../src/locale/code-keys.js";
import { LANGUAGES } from "../src/locale/languages.js";
import { LocaleError, loadTexts, type Texts } from "../src/locale/texts.js";
import { startBot, tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

/** The locale files' top-level keys: what a key literal in the code starts with. */
const NAMESPACES = readdirSync("locales/es-MX").map((f) => f.replace(/\.yaml$/, ""));
const KEY = new RegExp(`^(${NAMESPACES.join("|")})\\.[a-z0-9_]+(\\.[a-z0-9_]+)*$`);
/** Strings that look like keys but name something else: a field of config/authority.yaml in an error message. */
const NOT_KEYS = new Set(["privacy.responsible"]);
const FAMILY = new RegExp(`^(${NAMESPACES.join("|")})\\.([a-z0-9_]+\\.)*$`);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every string literal that looks like a locale key, and every template that starts a key family. */
function scan(): { literals: Map<string, string>; families: Map<string, string> } {
  const literals = new Map<string, string>();
  const families = new Map<string, string>();
  for (const file of sourceFiles("src")) {
    if (file.endsWith(join("locale", "code-keys.ts"))) continue;
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && KEY.test(node.text) && !NOT_KEYS.has(node.text)) {
        literals.set(node.text, file);
      }
      if (ts.isTemplateExpression(node) && FAMILY.test(node.head.text)) families.set(node.head.text, file);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { literals, families };
}

/** Texts that remember every key asked for. */
function recording(texts: Texts): { texts: Texts; keys: Set<string> } {
  const keys = new Set<string>();
  const t: Texts["t"] = (lang, key, params) => {
    keys.add(key);
    return texts.t(lang, key, params);
  };
  return { keys, texts: { ...texts, t } };
}

let texts: Texts;
beforeAll(async () => {
  texts = await loadTexts("locales", { ...deployment, required: CODE_KEYS });
});

const flows = loadFlowsFromDir("flows", { actions: ACTION_NAMES, missingKey: (await loadTexts("locales", deployment)).missingKey });

describe("locale keys used from code", () => {
  it("every key literal in src/ is in the registry, and every registry entry is used", () => {
    const { literals, families } = scan();
    expect(literals.size).toBeGreaterThan(30);
    const missing = [...literals].filter(([key]) => !CODE_KEYS.includes(key)).map(([key, file]) => `${key} (${file})`);
    expect(missing, "keys used in the code but not in src/locale/code-keys.ts").toEqual([]);
    const unknownFamilies = [...families].filter(([prefix]) => !CODE_KEY_FAMILIES.includes(prefix)).map(([p, file]) => `${p}… (${file})`);
    expect(unknownFamilies, "key families built in the code but not in CODE_KEY_FAMILIES").toEqual([]);
    const unused = CODE_KEYS.filter((key) => !literals.has(key) && ![...families.keys()].some((prefix) => key.startsWith(prefix)));
    expect(unused, "registry entries no code uses").toEqual([]);
    expect(
      CODE_KEY_FAMILIES.filter((prefix) => !families.has(prefix)),
      "families no code builds",
    ).toEqual([]);
  });

  it("the keys the channels build from names (commands, page labels, admin page, console errors) are all in the registry", async () => {
    const { texts: rec, keys } = recording(texts);
    for (const lang of LANGUAGES) commandMenu(commandTable(flowCommands(flows)), rec, lang);
    const app = Fastify();
    const service = { handle: async () => "processed" } as unknown as ConversationService;
    await app.register(chatPlugin, { service, texts: rec, defaultLanguage: "es-MX", photoMaxBytes: 1024, publicUrl: "http://localhost:3000" });
    let state: "starting" | "qr" | "ready" | "off" = "starting";
    await app.register(whatsappQrPagePlugin, { adminToken: "an-admin-token-for-tests", texts: rec, lang: "es-MX", status: () => ({ state, qr: "qr-data" }) });
    await app.inject({ url: "/" });
    for (const s of ["starting", "qr", "ready", "off"] as const) {
      state = s;
      await app.inject({ url: "/admin/whatsapp?token=an-admin-token-for-tests" });
    }
    await app.close();
    await new ConsoleChannel({ service, texts: rec, user: "keys", lang: "es-MX" }).receive("/photo /no/such/photo.jpg");
    // Categories and the commands flows declare are configuration, checked when it loads.
    const declared = new Set(flowCommands(flows).map((c) => `telegram.commands.${c.flow}`));
    const families = [...keys].filter((k) => CODE_KEY_FAMILIES.some((prefix) => k.startsWith(prefix)) && !k.startsWith("category.") && !declared.has(k));
    expect(families.length).toBeGreaterThan(15);
    expect(families.filter((k) => !CODE_KEYS.includes(k))).toEqual([]);
  });
});

describe("start-up with a locale key missing", () => {
  async function brokenLocales(file: string, edit: (text: string) => string): Promise<string> {
    const dir = join(await tempDir(), "locales");
    await cp("locales", dir, { recursive: true });
    await writeFile(join(dir, file), edit(await readFile(join(dir, file), "utf8")));
    return dir;
  }

  async function startupError(dir: string): Promise<string> {
    try {
      await loadTexts(dir, { ...deployment, required: CODE_KEYS });
    } catch (err) {
      expect(err).toBeInstanceOf(LocaleError);
      return (err as Error).message;
    }
    throw new Error("the texts loaded");
  }

  it("a key the code uses, deleted in one language, stops start-up naming the key and the file", async () => {
    const dir = await brokenLocales("en/errors.yaml", (t) => t.replace(/^internal:.*\n/m, ""));
    expect(await startupError(dir)).toBe(`${join(dir, "en", "errors.yaml")}: errors.internal is missing (the code uses it)`);
    const words = await brokenLocales("es-MX/words.yaml", (t) => t.replace(/^skip:.*\n/m, ""));
    expect(await startupError(words)).toBe(`${join(words, "es-MX", "words.yaml")}: words.skip is missing (the code uses it)`);
  });

  it("a problem others handle (`outside` in the corpora) without its notice in one language stops start-up", async () => {
    const dir = await brokenLocales("en/global.yaml", (t) => t.replace(/^outside:\n( {2}.*\n)+/m, ""));
    const err = await startBot({ env: { LOCALES_DIR: dir } }).then(
      (b) => b.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LocaleError);
    expect((err as Error).message).toBe(`${join(dir, "en")}: the notice global.outside.cfe is missing (nlu/entities.yaml names it)`);
  });

  it("a text nesting a key that is gone stops start-up naming the text, the nesting and the file", async () => {
    const moved = await brokenLocales("es-MX/report.yaml", (t) => t.replace(/^attached:/m, "adjunto:"));
    expect(await startupError(moved)).toBe(
      `${join(moved, "es-MX", "report.yaml")}: report.summary nests $t(report.attached.{{has_photo}}), but report.attached is not a group of texts`,
    );
    const gone = await brokenLocales("en/status.yaml", (t) => `${t}\nextra: "See $t(status.no_such_text) for more"\n`);
    expect(await startupError(gone)).toBe(`${join(gone, "en", "status.yaml")}: status.extra nests $t(status.no_such_text), which does not exist`);
  });
});
