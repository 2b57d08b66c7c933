import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadDeployment } from "../src/config/deployment.js";
import { ConfigError, loadConfig, SECRET_KEYS, secretValues } from "../src/config/settings.js";
import { openMongoStore } from "../src/store/mongo/index.js";
import { redactSecrets } from "../src/util/secrets.js";
import { tempDir } from "./helpers/temp-dirs.js";

describe("configuration", () => {
  it("has working defaults for a fresh machine", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe("var/data");
    // Unset: the first language of config/deployment.yaml.
    expect(c.DEFAULT_LANGUAGE).toBeUndefined();
    expect(c.CONVERSATION_TIMEOUT_MINUTES).toBe(30);
    expect(c.CONVERSATION_DAYS).toBe(90);
    // A deployment that keeps unsent reports longer keeps conversations as long, unless told otherwise.
    expect(loadConfig({ DRAFT_DAYS: "120" }).CONVERSATION_DAYS).toBe(120);
  });

  it.each([
    [{ PORT: "abc" }, /^invalid PORT="abc": accepts a port number/],
    [{ PORT: "70000" }, /^invalid PORT="70000"/],
    [{ DEFAULT_LANGUAGE: "fr" }, /^invalid DEFAULT_LANGUAGE="fr": accepts es-MX or en/],
    [{ WEB_CHAT_ENABLED: "maybe" }, /^invalid WEB_CHAT_ENABLED="maybe": accepts true or false/],
    [{ MONGODB_URI: "postgres://x" }, /^invalid MONGODB_URI: accepts a mongodb:\/\//],
    [{ CONVERSATION_DAYS: "10" }, /^invalid CONVERSATION_DAYS="10": must be at least DRAFT_DAYS \(30\)/],
    [{ DRAFT_DAYS: "120", CONVERSATION_DAYS: "100" }, /^invalid CONVERSATION_DAYS="100": must be at least DRAFT_DAYS \(120\)/],
  ])("%j stops with one line naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("a bad value stops `npm start` with that one line", async () => {
    const run = promisify(execFile)("npx", ["tsx", "src/main.ts"], { env: { ...process.env, PORT: "nope" } });
    const err = await run.then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr.trim()).toBe('municipio-abierto: cannot start: invalid PORT="nope": accepts a port number (0 picks a free one)');
  });

  it.each([
    ["MONGODB_URI", "postgres://admin:Hunter2pw@db.example.gob.mx/municipio"],
    ["TELEGRAM_BOT_TOKEN", "123456:short-Hunter2pw"],
    ["TELEGRAM_WEBHOOK_SECRET", "Hunter2pw with spaces!"],
    ["ADMIN_TOKEN", "Hunter2pw"],
    ["LOG_PSEUDONYM_KEY", "Hunter2pw"],
  ])("a bad %s names the variable and the problem, never its value", (name, value) => {
    expect(SECRET_KEYS.has(name)).toBe(true);
    let message = "";
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(new RegExp(`^invalid ${name}: accepts `));
    expect(message).not.toContain("Hunter2pw");
  });

  it("whatever error stops start-up, the secrets set in the environment are not printed", () => {
    const env = { MONGODB_URI: "mongodb://bot:Hunter%232pw@db.example.gob.mx/m", ADMIN_TOKEN: "an-admin-token-0123456789" };
    const message = "failed: mongodb://bot:Hunter%232pw@db.example.gob.mx/m (password Hunter#2pw), token an-admin-token-0123456789";
    const printed = redactSecrets(message, secretValues(env));
    expect(printed).not.toMatch(/Hunter|an-admin-token/);
    expect(printed).toContain("failed: ***");
  });

  it("MongoDB connection errors never quote the URI's password, encoded or decoded", async () => {
    const quoted = await openMongoStore("mongodb://bot:Hunter%32pw@127.0.0.1:1/m?readPreference=Hunter2pw", { attempts: 5, firstDelayMs: 2000 }).then(
      () => "",
      (err: Error) => err.message,
    );
    expect(quoted).toBe('invalid URI in MONGODB_URI (127.0.0.1:1): Invalid read preference mode "***"');
    expect(quoted).not.toMatch(/Hunter/);
    const refused = await openMongoStore("mongodb://bot:Hunter%32pw@127.0.0.1:1/m", { attempts: 1, timeoutMs: 300 }).then(
      () => "",
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/^cannot reach MongoDB at 127\.0\.0\.1:1: /);
    expect(refused).not.toMatch(/Hunter/);
    // A URI the driver refuses is said to be invalid at once, without retries.
    const started = Date.now();
    const invalid = await openMongoStore("mongodb://bot:Hunter2pw@127.0.0.1:1/m?bogusOption=1", { attempts: 5, firstDelayMs: 2000 }).then(
      () => "",
      (err: Error) => err.message,
    );
    expect(invalid).toBe("invalid URI in MONGODB_URI (127.0.0.1:1): option bogusoption is not supported");
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe("deployment facts (config/deployment.yaml)", () => {
  it("are read from the shipped file: state 15, Mexico City time, Spanish first", () => {
    const d = loadDeployment("config/deployment.yaml");
    expect(d.state.code).toBe("15");
    expect(d.municipalityKey.test("15054")).toBe(true);
    expect(d.municipalityKey.test("09015")).toBe(false);
    expect(d.timeZone).toBe("America/Mexico_City");
    expect(d.defaultLanguage).toBe("es-MX");
  });

  it.each([
    ["state:\n  code: '1'\n  name: X", /state\.code: is the state's two-digit INEGI key/],
    ["time_zone: Mars/Olympus", /time_zone: is not a time zone/],
    ["languages: [fr]", /languages\.0: accepts languages with texts in this version/],
    ["languages: [en, en]", /languages: lists a language twice/],
  ])("a wrong value stops start-up naming the file and the field (%s)", async (change, message) => {
    const dir = await tempDir("ma-deployment-");
    const shipped = parse(await readFile("config/deployment.yaml", "utf8")) as Record<string, unknown>;
    const file = join(dir, "deployment.yaml");
    await writeFile(file, stringify({ ...shipped, ...(parse(change) as Record<string, unknown>) }));
    expect(() => loadDeployment(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ${message.source}`));
  });
});
