/** Logs: JSON lines for machines, readable lines on a terminal, and what citizens wrote redacted in both. */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, logDestination } from "../src/util/logger.js";

function terminal(isTTY: boolean): { out: NodeJS.WriteStream; lines: () => string } {
  const stream = new PassThrough();
  let written = "";
  stream.on("data", (d) => (written += d));
  return { out: Object.assign(stream, { isTTY }) as unknown as NodeJS.WriteStream, lines: () => written };
}

describe("log lines", () => {
  it("on a terminal are readable lines; a pipe gets JSON; LOG_FORMAT forces either; text is redacted in both", async () => {
    const tty = terminal(true);
    createLogger("info", logDestination("auto", tty.out)).info({ report: "r1", text: "me robaron en la esquina" }, "report created");
    await new Promise((r) => setImmediate(r));
    expect(tty.lines()).toMatch(/INFO.*report created/);
    expect(tty.lines()).not.toMatch(/^\{/);
    expect(tty.lines()).not.toContain("me robaron");

    expect(logDestination("auto", terminal(false).out)).toBeUndefined();
    expect(logDestination("json", terminal(true).out)).toBeUndefined();
    const forced = terminal(false);
    createLogger("info", logDestination("pretty", forced.out)).warn({ name: "Lupita" }, "store away");
    await new Promise((r) => setImmediate(r));
    expect(forced.lines()).toMatch(/WARN.*store away/);
    expect(forced.lines()).not.toContain("Lupita");
  });
});
