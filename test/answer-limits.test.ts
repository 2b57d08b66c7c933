/** A refused answer states the question's own limits, whatever the question: never another question's. */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACTION_NAMES } from "../src/conversation/actions/index.js";
import { loadFlowsFromDir } from "../src/conversation/flow-files.js";
import { Renderer } from "../src/conversation/render.js";
import { Engine } from "../src/engine/engine.js";
import type { FlowSet, Step } from "../src/engine/flow.js";
import type { ConversationState } from "../src/engine/types.js";
import { LANGUAGES } from "../src/locale/languages.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { startBot, type TestBot } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

let texts: Texts;
let flows: FlowSet;
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
  flows = loadFlowsFromDir("flows", { actions: ACTION_NAMES, missingKey: texts.missingKey });
});

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

type TextAsk = Extract<Step, { type: "ask" }> & { answer: { type: "text"; min: number; max: number } };

function textAsks(): { flow: string; step: TextAsk }[] {
  const out: { flow: string; step: TextAsk }[] = [];
  for (const flow of flows.values()) {
    for (const step of flow.steps) if (step.type === "ask" && step.answer.type === "text") out.push({ flow: flow.name, step: step as TextAsk });
  }
  return out;
}

describe("limits of text questions", () => {
  it("every text question of the shipped flows refuses with its own minimum and maximum, in every language", () => {
    const engine = new Engine(flows, { t: (lang, key) => texts.t(lang, key), words: (name) => texts.words(name) });
    const renderer = new Renderer(texts, () => ({}));
    const asks = textAsks();
    expect(asks.length).toBeGreaterThanOrEqual(2);
    for (const lang of LANGUAGES) {
      const number = new Intl.NumberFormat(lang);
      for (const { flow, step } of asks) {
        const state: ConversationState = { flow, flowVersion: flows.get(flow)?.version ?? "", step: step.id, waiting: "answer", vars: {}, attempts: 0, lang };
        const { min, max } = step.answer;
        const long = engine.step(state, { type: "text", text: "x".repeat(max + 1) }, lang);
        const tooLong = renderer.render(long.replies[0], lang).text;
        expect(tooLong, `${flow}.${step.id} (${lang})`).toContain(number.format(max));
        expect(tooLong).toContain(number.format(max + 1));
        if (min >= 2) {
          const short = engine.step(state, { type: "text", text: "x".repeat(min - 1) }, lang);
          expect(renderer.render(short.replies[0], lang).text, `${flow}.${step.id} (${lang})`).toContain(number.format(min));
        }
        // The question is asked again after the refusal.
        expect(long.replies.at(-1)?.key).toBe(step.text);
      }
    }
  });

  it("41 characters for a folio say the folio's limit of 40, not the description's 1,000", async () => {
    bot = await startBot();
    const ana = bot.citizen("folio-limit");
    await ana.receive("hola");
    expect(await ana.receive("2")).toContain("Escribe el folio");
    const refusal = await ana.receive("F".repeat(41));
    expect(refusal).toContain("el máximo es 40");
    expect(refusal).not.toContain("1,000");
    expect(refusal).toContain("Escribe el folio");
  });
});
