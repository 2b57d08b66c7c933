import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/settings.js";

describe("configuration", () => {
  it("has working defaults for a fresh machine", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe("var/data");
    expect(c.DEFAULT_LANGUAGE).toBe("es-MX");
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
