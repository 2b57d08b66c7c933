/** The project's files are read as YAML 1.2's core schema, the same way everywhere (src/util/yaml.ts). */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseYaml } from "../src/util/yaml.js";

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

  it("says in one line what is wrong and where", () => {
    expect(() => parseYaml("a: 1\nb: 2\na: 3\n")).toThrow(/^duplicated mapping key at line 3, column 1$/);
    expect(() => parseYaml("lista:\n  - uno\n dos: 2\n")).toThrow(/at line 3, column 2$/);
    expect(() => parseYaml("a: 1\n---\nb: 2\n")).toThrow(/single document/);
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
