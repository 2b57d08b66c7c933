/** Variables of a conversation: a `set` step's many values at once are the same as setting them one by one. */
import { describe, expect, it } from "vitest";
import type { Vars } from "../src/engine/types.js";
import { getVar, setVar, setVars } from "../src/engine/vars.js";

const given = (): Vars => ({ report: { category: "bache", where: { lat: 19.3, lon: -99.6 } }, draft: null, editing: true, list: [1, 2] });

describe("setVars", () => {
  const entries = [
    ["editing", false],
    ["report.category", "alumbrado"],
    ["report.where.lat", 19.4],
    ["draft.flow", "report"],
    ["list.first", 1],
    ["fresh.deep.value", "x"],
    ["report.category", "drenaje"],
  ] as const;

  it("gives what setVar one after another gives, and changes nothing it was given", () => {
    const vars = given();
    const frozen = JSON.stringify(vars);
    const one = entries.reduce((v, [path, value]) => setVar(v, path, value), vars);
    expect(setVars(vars, entries)).toEqual(one);
    expect(JSON.stringify(vars)).toBe(frozen);
    expect(getVar(one, "report.category")).toBe("drenaje");
    expect(getVar(one, "report.where.lon")).toBe(-99.6);
    expect(getVar(one, "draft.flow")).toBe("report");
    expect(getVar(one, "list.first")).toBe(1);
  });

  it("keeps objects no path goes through, and copies those it goes through", () => {
    const vars = { ...given(), other: { kept: true } } as Vars;
    const out = setVars(vars, [["report.category", "alumbrado"]]);
    expect(out.other).toBe(vars.other);
    expect(out.report).not.toBe(vars.report);
    expect((out.report as Vars).where).toBe((vars.report as Vars).where);
  });

  it("writes a part named __proto__ as a variable, not as the prototype", () => {
    const out = setVars({}, [["a.__proto__", "x"]]);
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect(Object.keys(out.a as object)).toEqual(["__proto__"]);
  });
});
