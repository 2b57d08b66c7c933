/** What a deployment reads besides the code: .env.example documents every setting; docker-compose.yml holds together. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, loadConfig } from "../src/config/settings.js";

describe("deployment files", () => {
  it(".env.example names every setting, and its values are valid", () => {
    const example = readFileSync(".env.example", "utf8");
    const names = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...names].sort()).toEqual([...CONFIG_KEYS].sort());
    const values = Object.fromEntries([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(() => loadConfig(values)).not.toThrow();
  });

  it("docker-compose.yml: the bot reaches the replica set that mongod starts and the health check initiates", () => {
    const compose = parse(readFileSync("docker-compose.yml", "utf8"));
    const replSet = compose.services.mongo.command[compose.services.mongo.command.indexOf("--replSet") + 1];
    expect(compose.services.mongo.image).toBe("mongo:7");
    expect(compose.services.bot.environment.MONGODB_URI).toBe(`mongodb://mongo:27017/municipio?replicaSet=${replSet}`);
    expect(compose.services.mongo.healthcheck.test.join(" ")).toContain(`_id: '${replSet}'`);
    expect(compose.services.bot.depends_on.mongo.condition).toBe("service_healthy");
    expect(() => loadConfig({ MONGODB_URI: compose.services.bot.environment.MONGODB_URI })).not.toThrow();
  });
});
