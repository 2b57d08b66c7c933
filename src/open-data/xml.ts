/**
 * Open311 GeoReport v2's XML: the same documents as its JSON, with a list's items named by the singular
 * of the list (`<endpoints><endpoint>`, `<formats><format>`), as the specification's examples write them.
 */

type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [key: string]: XmlValue };

/** The item name of each list the specification names; anything else is a list of `<item>`. */
const ITEM: Record<string, string> = {
  endpoints: "endpoint",
  formats: "format",
  attributes: "attribute",
  values: "value",
  services: "service",
  service_requests: "request",
  errors: "error",
};

/** Characters XML 1.0 cannot carry at all (a control character a citizen's note might hold). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to drop them
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, "").replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

function element(name: string, value: XmlValue): string {
  if (value === null || value === undefined || value === "") return `<${name}/>`;
  if (Array.isArray(value)) {
    const item = ITEM[name] ?? "item";
    return `<${name}>${value.map((v) => element(item, v)).join("")}</${name}>`;
  }
  if (typeof value === "object") {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join("")}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole document: `<root>` holding `value` (a list's items named after `root`). */
export function xmlDocument(root: string, value: XmlValue): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value)}\n`;
}
