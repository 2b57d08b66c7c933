/** The plan file as YAML: read with the line of every value (for errors), written back in the same shape. */
import { yamlLibrary } from "../../util/yaml-lib.js";
import { type Locator, PlanFileError, pathText } from "./file-schema.js";

/** The document's content and where each path is; a file YAML cannot read is refused with its line. */
export function readYaml(name: string, text: string): { raw: unknown; where: Locator; problems?: string[] } {
  const { isNode, LineCounter, parseDocument } = yamlLibrary();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PlanFileError(doc.errors.map((e) => `${name}:${lines.linePos(e.pos[0]).line}: ${e.message.split("\n")[0]}`));
  }
  const where: Locator = (path) => {
    // The deepest node that exists on the path: a missing field is reported on its parent's line.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return `${name}:${lines.linePos(node.range[0]).line}: ${pathText(path)}`;
    }
    return `${name}: ${pathText(path)}`;
  };
  return { raw: doc.toJS(), where };
}

/** YAML in the file's own shape and order: long texts as blocks, lists of small records one per line each. */
export function writeYaml(file: Record<string, unknown>, header: string): string {
  return `${header}${yamlLibrary().stringify(file, { lineWidth: 0, defaultStringType: "PLAIN", defaultKeyType: "PLAIN" })}`;
}
