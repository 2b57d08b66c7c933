import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadDeployment } from "../src/config/deployment.js";
import { ConfigError, loadConfig } from "../src/config/settings.js";

describe("configuration", () => {
  it("has working defaults for a fresh machine", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe("var/data");
    // Unset: the first language of config/deployment.yaml.
    expect(c.DEFAULT_LANGUAGE).toBeUndefined();
    expect(c.CONVERSATION_TIMEOUT_MINUTES).toBe(30);
  });

  it.each([
    [{ PORT: "abc" }, /^invalid PORT="abc": accepts a port number/],
    [{ PORT: "70000" }, /^invalid PORT="70000"/],
    [{ DEFAULT_LANGUAGE: "fr" }, /^invalid DEFAULT_LANGUAGE="fr": accepts es-MX or en/],
    [{ WEB_CHAT_ENABLED: "maybe" }, /^invalid WEB_CHAT_ENABLED="maybe": accepts true or false/],
    [{ MONGODB_URI: "postgres://x" }, /^invalid MONGODB_URI=.*mongodb:\/\//],
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
    const dir = await mkdtemp(join(tmpdir(), "deployment-"));
    const shipped = parse(await readFile("config/deployment.yaml", "utf8")) as Record<string, unknown>;
    const file = join(dir, "deployment.yaml");
    await writeFile(file, stringify({ ...shipped, ...(parse(change) as Record<string, unknown>) }));
    expect(() => loadDeployment(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ${message.source}`));
  });
});
