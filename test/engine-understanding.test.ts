/**
 * The engine's side of understanding, with hand-made readings (no model): what is sure is used, what
 * is doubtful is asked, what is unsure is never assumed, and every shown choice takes its number.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION_NAMES } from "../src/conversation/actions/index.js";
import { loadFlowsFromDir } from "../src/conversation/flow-files.js";
import { parseAnswer } from "../src/engine/answers.js";
import { Engine, MAX_ATTEMPTS } from "../src/engine/engine.js";
import type { ConversationState, EngineInput } from "../src/engine/types.js";
import type { Understood } from "../src/engine/understanding.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { deployment } from "./helpers/deployment.js";

let texts: Texts;
let engine: Engine;
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
  const flows = loadFlowsFromDir("flows", { actions: ACTION_NAMES, missingKey: texts.missingKey });
  engine = new Engine(flows, { t: (lang, key) => texts.t(lang, key), words: (name) => texts.words(name) });
});

const said = (text: string, intents: Understood["intents"] = [], entities: Understood["entities"] = {}): EngineInput => ({
  type: "text",
  text,
  understood: { intents, entities },
});

function atMenu(): ConversationState {
  const started = engine.start("menu", "es-MX");
  expect(started.state.step).toBe("choose");
  return started.state;
}

describe("engine and understanding", () => {
  it("a confident intent opens its flow; a doubtful one is asked about and only a yes applies it", () => {
    const menu = atMenu();
    expect(engine.step(menu, said("quiero reportar", [{ name: "report", score: 0.93 }]), "es-MX").action?.name).toBe("check_consent");

    const doubt = engine.step(
      menu,
      said("mi reporte", [
        { name: "report", score: 0.55 },
        { name: "status", score: 0.45 },
      ]),
      "es-MX",
    );
    expect(doubt.state.flow).toBe("menu");
    expect(doubt.state.aside).toEqual({ kind: "guess", value: "report", label: "Reportar un problema" });
    expect(texts.t("es-MX", doubt.replies[0].key, doubt.replies[0].params)).toBe("¿Quisiste decir «Reportar un problema»?");

    const no = engine.step(doubt.state, said("no"), "es-MX");
    expect(no.state.aside).toBeUndefined();
    expect(no.state.step).toBe("choose");
    expect(no.replies.map((r) => r.key)).toEqual(["global.guess_declined", "menu.prompt"]);

    const yes = engine.step(doubt.state, said("sí"), "es-MX");
    expect(yes.action?.name).toBe("check_consent");
  });

  it("an unsure reading is never assumed: it is a wrong answer", () => {
    const r = engine.step(atMenu(), said("algo", [{ name: "report", score: 0.3 }]), "es-MX");
    expect(r.state.flow).toBe("menu");
    expect(r.state.aside).toBeUndefined();
    expect(r.replies[0].key).toBe("errors.choice");
  });

  it("what a message names is kept in `heard` for the flow it opens", () => {
    const r = engine.step(
      atMenu(),
      said("bache en neza", [{ name: "report", score: 1 }], {
        category: { value: "baches", text: "bache", exact: true },
        municipality: { value: "15058", text: "neza", exact: true },
      }),
      "es-MX",
    );
    expect(r.state.flow).toBe("report");
    expect(r.state.vars.heard).toEqual({ category: "baches", category_text: "bache", municipality: "15058", municipality_text: "neza" });
    expect(r.state.vars.understood).toEqual(r.state.vars.heard);
  });

  it("a yes read in an address is no answer to a yes-or-no question unless its words say it", () => {
    const confirm = engine.start("unsubscribe", "es-MX").state;
    expect(confirm.step).toBe("confirm");
    const address = (text: string): EngineInput => ({
      type: "text",
      text,
      understood: { intents: [{ name: "yes", score: 0.9 }], entities: {}, address: true },
    });
    const street = engine.step(confirm, address("en la calle Hidalgo esquina con Juárez"), "es-MX");
    expect(street.action).toBeUndefined();
    expect(street.state.step).toBe("confirm");
    expect(street.replies.map((r) => r.key)).toEqual(["errors.yesno", "notices.confirm_stop"]);
    for (const text of ["sí, en la calle Morelos 15", "si en la calle Morelos 15"]) {
      expect(engine.step(confirm, address(text), "es-MX").action?.name, text).toBe("stop_notices");
    }
  });

  it("three wrong answers explain the question again and keep it, with what was answered", () => {
    let state = atMenu();
    state = { ...state, vars: { ...state.vars, kept: "yes" } };
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const r = engine.step(state, said("zzz"), "es-MX");
      state = r.state;
      expect(r.replies[0].key).toBe(i < MAX_ATTEMPTS ? "errors.choice" : "errors.too_many_attempts");
      expect(r.replies.at(-1)?.key).toBe("menu.prompt");
    }
    expect(state.step).toBe("choose");
    expect(state.vars.kept).toBe("yes");
    expect(state.attempts).toBe(0);
  });

  it("an emergency is noticed at once without moving the conversation", () => {
    const r = engine.step(atMenu(), said("auxilio", [{ name: "emergency", score: 0.5 }]), "es-MX");
    expect(r.replies.map((x) => x.key)).toEqual(["global.emergency", "menu.prompt"]);
    expect(r.state.step).toBe("choose");
  });

  it.each([
    ["photo", { type: "photo", optional: true }],
    ["location", { type: "location", optional: true, allow_text: true }],
  ] as const)("the numbered «Omitir» of an optional %s is taken by its number and its label", (_kind, spec) => {
    const ctx = { t: (lang: "es-MX" | "en", key: string) => texts.t(lang, key), words: (name: string) => texts.words(name) };
    for (const text of ["1", "Omitir", "skip", "omitir"]) {
      expect(parseAnswer({ ...spec }, { type: "text", text }, {}, ctx), text).toEqual({ ok: true, value: null });
    }
  });
});
