/** The project's files are read as YAML 1.2's core schema, the same way everywhere (src/util/yaml.ts). */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MAX_YAML_VALUES, parseYaml } from "../src/util/yaml.js";

describe("reading YAML", () => {
  it("keeps what looks like a date, a yes or a merge key as written", () => {
    expect(parseYaml("fecha: 2026-01-15\nsí: yes\napagado: off\n<<: {a: 1}\nhora: 12:30\n")).toEqual({
      fecha: "2026-01-15",
      sí: "yes",
      apagado: "off",
      "<<": { a: 1 },
      hora: "12:30",
    });
    expect(parseYaml("n: 0x1F\nf: .inf\nnada: ~\nverdad: true\n")).toEqual({ n: 31, f: Number.POSITIVE_INFINITY, nada: null, verdad: true });
  });

  it("an empty file, or one of comments only, is null", () => {
    expect(parseYaml("")).toBeNull();
    expect(parseYaml("# nada todavía\n\n   # tampoco\n")).toBeNull();
  });

  it("says in one line what is wrong and where, naming the mistake", () => {
    expect(() => parseYaml("a: 1\nb: 2\na: 3\n")).toThrow(/^Map keys must be unique at line 3, column 1$/);
    expect(() => parseYaml("saludo: 'hola\n")).toThrow(/^Missing closing 'quote at line 2, column 1$/);
    expect(() => parseYaml("\tsaludo: hola\n")).toThrow(/^Tabs are not allowed as indentation at line 1, column 1$/);
    expect(() => parseYaml("saludo: {{nombre}}, hola\n")).toThrow(/^Unexpected scalar at node end at line 1, column 19$/);
    expect(() => parseYaml("a: 1\n---\nb: 2\n")).toThrow(/^Source contains multiple documents at line 2, column 1$/);
    // A tag the core schema does not know is an error, not a string read silently.
    expect(() => parseYaml("flujo: !include otro.yaml\n")).toThrow(/^unknown scalar tag !<!include> at line 1, column 8$/);
  });

  it("refuses a file whose aliases expand past what anything could walk, at once", () => {
    const levels = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]"];
    for (const [i, name] of ["b", "c", "d", "e", "f", "g", "h", "i"].entries()) {
      const previous = "abcdefgh"[i];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const t0 = performance.now();
    expect(() => parseYaml(`${levels.join("\n")}\n`)).toThrow(`more than ${MAX_YAML_VALUES.toLocaleString("en")} values once its aliases (*name) are expanded`);
    expect(performance.now() - t0).toBeLessThan(5_000);
    // An alias inside what it names is a loop, said as one.
    expect(() => parseYaml("lista: &lista [uno, *lista]\n")).toThrow(/^an alias \(\*name\) inside what it names$/);
    // Anchors used as they are meant to be are read, the same object wherever they are named.
    const shared = parseYaml("base: &base {hola: Hola}\nweb: *base\ntelegram: *base\n") as Record<string, unknown>;
    expect(shared).toEqual({ base: { hola: "Hola" }, web: { hola: "Hola" }, telegram: { hola: "Hola" } });
  });

  it("reads every file the project ships as the YAML 1.2 reference library does", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(name)) files.push(path);
      }
    };
    for (const dir of ["flows", "locales", "config", "examples"]) walk(join(import.meta.dirname, "..", dir));
    expect(files.length).toBeGreaterThan(60);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(parseYaml(text), file).toEqual(parse(text));
    }
  });
});
