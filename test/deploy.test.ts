/** What a deployment reads besides the code: .env.example documents every setting; docker-compose.yml holds together. */
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, loadConfig } from "../src/config/settings.js";

describe("deployment files", () => {
  it("the image runs the compiled bot on Node 24 as an unprivileged user, with every folder it reads", () => {
    const docker = readFileSync("Dockerfile", "utf8");
    const stages = docker.split(/^FROM /m).slice(1);
    const run = stages.at(-1) as string;
    expect(run).toMatch(/^node:24-/);
    expect(run).toMatch(/^USER node$/m);
    expect(run).toMatch(/^CMD \["node", "dist\/main.js"\]$/m);
    expect(run).not.toMatch(/tsx/);
    expect(run).toMatch(/npm ci --omit=dev/);
    const config = loadConfig({});
    const copied = [...run.matchAll(/^COPY (?:--from=\S+ )?\S+ \.\/(\S+)$/gm)].map((m) => m[1]);
    for (const dir of [config.FLOWS_DIR, config.LOCALES_DIR, config.CONFIG_DIR, config.REFERENCE_DIR, "examples", "dist"]) expect(copied).toContain(dir);
  });

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

  it("docker-compose.yml: MongoDB is healthy only once it is the writable primary, and initiates the set once", () => {
    const compose = parse(readFileSync("docker-compose.yml", "utf8"));
    const test: string[] = compose.services.mongo.healthcheck.test;
    const script = test[test.indexOf("--eval") + 1];
    /** Runs the health check's mongosh script against a member in a given state; the exit code it asks for. */
    const check = (member: { initiated: boolean; primary: boolean }) => {
      const calls: string[] = [];
      let exit = 0;
      const rs = {
        status: () => {
          if (!member.initiated) throw new Error("no replset config has been received");
          return { ok: 1 };
        },
        initiate: (config: { _id: string }) => {
          calls.push(`initiate ${config._id}`);
          return { ok: 1 };
        },
      };
      const db = { hello: () => ({ isWritablePrimary: member.primary }) };
      const quit = (code: number) => {
        exit = code;
        throw new Error("quit");
      };
      try {
        runInNewContext(script, { rs, db, quit });
      } catch (err) {
        if ((err as Error).message !== "quit") throw err;
      }
      return { exit, calls };
    };
    expect(check({ initiated: false, primary: false })).toEqual({ exit: 1, calls: ["initiate rs0"] });
    expect(check({ initiated: true, primary: false })).toEqual({ exit: 1, calls: [] });
    expect(check({ initiated: true, primary: true })).toEqual({ exit: 0, calls: [] });
    // Reachable from this machine only.
    expect(compose.services.mongo.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:/)]);
  });
});
