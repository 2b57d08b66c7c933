/** Broken flow files stop start-up naming the file, the path inside it and the problem. */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/settings.js";
import { ACTION_NAMES } from "../src/conversation/actions/index.js";
import { loadFlowsFromDir } from "../src/conversation/flow-files.js";
import { FlowError } from "../src/engine/flow-loader.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

const BROKEN = join(import.meta.dirname, "fixtures", "flows-broken");
let texts: Texts;
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
});

function loadError(dir: string): FlowError {
  try {
    loadFlowsFromDir(join(BROKEN, dir), { actions: ACTION_NAMES, missingKey: texts.missingKey });
  } catch (err) {
    expect(err).toBeInstanceOf(FlowError);
    return err as FlowError;
  }
  throw new Error(`flows in ${dir} loaded without error`);
}

describe("flow files", () => {
  it("the shipped flows load and pass every cross-check", () => {
    const flows = loadFlowsFromDir("flows", { actions: ACTION_NAMES, missingKey: texts.missingKey });
    expect([...flows.keys()].sort()).toEqual([
      "announcements",
      "commitments",
      "handoff",
      "language",
      "learn",
      "menu",
      "mydata",
      "reply",
      "report",
      "status",
      "unsubscribe",
      "welcome",
    ]);
  });

  it.each([
    ["bad-yaml", "extra.yaml", "", /not valid YAML/],
    ["bad-command-link", "extra.yaml", "command", /a flow with a command needs a plain link/],
    ["bad-command-text", "extra.yaml", "command", /needs its description "telegram\.commands\.extra" in locale es-MX, en/],
    ["bad-command-twice", "other.yaml", "command", /command "menu" is also a command of .*extra\.yaml/],
    ["bad-goto", "extra.yaml", "steps[1].target", /goto target "nowhere" is not a step of this flow/],
    ["bad-action", "extra.yaml", "steps[0].name", /action "launch_rockets" is not registered/],
    ["bad-key", "extra.yaml", "steps[1].text", /text key "learn.does_not_exist" is missing in locale es-MX, en/],
    ["bad-words-key", "extra.yaml", "steps[0].answer.options[1].words[1]", /text key "report.identity.anonimous" is missing in locale es-MX, en/],
    ["bad-unsubscribe-stop", "unsubscribe.yaml", "steps", /a step "stop" is required: where "baja" stops the notices without asking/],
    ["bad-schema", "extra.yaml", "steps[1].answer.min", /number/i],
    ["bad-name", "other-name.yaml", "flow", /must match the file name/],
    ["bad-link-step", "extra.yaml", "links[0].step", /step "nowhere" is not a step of this flow/],
    ["bad-exit", "extra.yaml", "exit", /step "nowhere" is not a step of this flow/],
    ["bad-told-by", "extra.yaml", "told_by", /a flow told by an entity needs an intent/],
    ["bad-named-by", "extra.yaml", "named_by", /a flow named by an entity needs an intent/],
    ["bad-told-with", "extra.yaml", "told_with", /a flow told with words needs an intent/],
    ["bad-told-with-list", "extra.yaml", "told_with", /text key "words\.opens_nothing" is missing in locale es-MX, en/],
    ["bad-told-asking", "extra.yaml", "told_asking", /a flow with told_asking needs told_with/],
    ["bad-told-asking-list", "extra.yaml", "told_asking", /text key "words\.asks_nothing" is missing in locale es-MX, en/],
    ["bad-corrects-step", "extra.yaml", "corrects[0].step", /"tell" is not an ask step of this flow with a choice answer it saves/],
    ["bad-corrects-goto", "extra.yaml", "corrects[0].goto", /step "nowhere" is not a step of this flow/],
    ["bad-named-option", "extra.yaml", "steps[0].answer.options[0].named_by", /an option named by an entity needs a goto to a step of this flow/],
    ["bad-already", "extra.yaml", "steps[0].already", /only a question that may be skipped is answered by saying it was told already/],
    ["bad-keeps-typed", "extra.yaml", "steps[0].keeps_typed", /only a choice that takes a typed text \(allow_text\) keeps it whatever it is read as/],
    ["bad-corrects-told-at", "extra.yaml", "corrects[0].at[0]", /"tell" does not confirm with a yes or no, where a problem told is read/],
    ["bad-corrects-told", "extra.yaml", "corrects[0].told", /a correction told in a problem needs the flow's intent/],
    ["bad-corrects-text", "extra.yaml", "corrects[0].said", /text key "report.corrected_kind" is missing in locale es-MX, en/],
    ["bad-link-overlap", "extra.yaml", "links[1].prefix", /prefix "news-today" overlaps a link of .*extra\.yaml/],
    ["bad-photo-opens", "extra.yaml", "photo_opens", /a flow with photo_opens needs a photo question with early/],
    ["bad-photo-opens-link", "extra.yaml", "photo_opens", /a flow with photo_opens needs a link without save or step/],
    ["bad-early", "extra.yaml", "steps[0].early", /only a photo question keeps a photo sent before it/],
  ])("%s names the file, the path and the problem", (dir, file, path, problem) => {
    const err = loadError(dir);
    expect(err.file).toBe(join(BROKEN, dir, file));
    expect(err.path).toBe(path);
    expect(err.problem).toMatch(problem);
    expect(err.message).toContain(`${file}: ${path || "(file)"}: `);
  });

  it("a broken flow stops the app from starting", async () => {
    const config = loadConfig({ DATA_DIR: await tempDir(), FLOWS_DIR: join(BROKEN, "bad-goto") });
    await expect(createApp(config, { logger: createLogger("silent") })).rejects.toThrow(/extra\.yaml: steps\[1\]\.target: goto target "nowhere"/);
  });
});
