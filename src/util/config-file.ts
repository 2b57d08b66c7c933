/** Reads a YAML configuration file and validates it, naming the file and the path on error. */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { parseYaml } from "./yaml.js";

export class ConfigFileError extends Error {}

export function readConfigFile<T extends z.ZodType>(file: string, schema: T): z.infer<T> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigFileError(`${file}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A refused record key says why in the issue nested under it.
    const nested = issue.code === "invalid_key" ? issue.issues[0]?.message : undefined;
    throw new ConfigFileError(`${file}: ${issue.path.join(".") || "(file)"}: ${nested ?? issue.message}`);
  }
  return parsed.data;
}
