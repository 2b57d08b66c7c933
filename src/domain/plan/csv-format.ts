/**
 * The plan file as CSV, for people who keep the plan in a spreadsheet: one row per record, its kind
 * in the first column (`plan`, `commitment`, `milestone`, `indicator`), the union of fields as
 * columns. A milestone or indicator names its commitment's number in `commitment`; principles are
 * separated by `;`. RFC 4180 quoting; a cell may hold line breaks.
 */

import { fromInertText, inertText } from "../../util/csv.js";
import { type Locator, PlanFileError } from "./file-schema.js";

/** The columns, in the order written. */
export const CSV_COLUMNS = [
  "record",
  "commitment",
  "number",
  "title",
  "example",
  "municipality",
  "period_start",
  "period_end",
  "state",
  "problem",
  "baseline",
  "objective",
  "actions",
  "responsible",
  "co_responsible",
  "principles",
  "start",
  "end",
  "due",
  "done",
  "evidence",
  "weight",
  "reason",
  "name",
  "unit",
  "target",
  "current",
  "date",
] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** Which columns each kind of row fills (besides `record`), and the plan file's field each stands for. */
const RECORDS: Record<string, Partial<Record<Column, string>>> = {
  plan: { example: "example", municipality: "municipality", title: "title", period_start: "start", period_end: "end", state: "state" },
  commitment: {
    number: "number",
    title: "title",
    problem: "problem",
    baseline: "baseline",
    objective: "objective",
    actions: "actions",
    responsible: "responsible",
    co_responsible: "co_responsible",
    principles: "principles",
    start: "start",
    end: "end",
    state: "state",
  },
  milestone: { commitment: "", number: "number", title: "title", due: "due", done: "done", evidence: "evidence", weight: "weight", reason: "reason" },
  indicator: { commitment: "", number: "number", name: "name", unit: "unit", baseline: "baseline", target: "target", current: "current", date: "date" },
};

interface Row {
  line: number;
  cells: string[];
}

/** RFC 4180 rows with the line each starts on; quotes may hold separators and line breaks. */
export function parseCsv(name: string, text: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let wasQuoted = false;
  const src = text.replace(/^\uFEFF/, "");
  const endCell = () => {
    cells.push(fromInertText(wasQuoted ? cell : cell.trim()));
    cell = "";
    wasQuoted = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === "") {
      quoted = true;
      wasQuoted = true;
      cell = "";
    } else if (ch === ",") endCell();
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      endCell();
      if (cells.some((c) => c !== "")) rows.push({ line: rowLine, cells });
      cells = [];
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) throw new PlanFileError([`${name}:${rowLine}: a quoted cell is never closed (a " is missing)`]);
  endCell();
  if (cells.some((c) => c !== "")) rows.push({ line: rowLine, cells });
  return rows;
}

/** The rows as the plan file's structure (cells as text; the schema reads numbers and dates), and where each field came from. */
export function readCsv(name: string, text: string): { raw: unknown; where: Locator; problems: string[] } {
  const rows = parseCsv(name, text);
  const problems: string[] = [];
  const header = rows.shift();
  if (!header) throw new PlanFileError([`${name}:1: the file is empty (the first row names the columns: ${CSV_COLUMNS.join(",")})`]);
  const columns = header.cells.map((c) => c.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(c))
      problems.push(`${name}:${header.line}: column ${i + 1} "${c}" is not one of ${CSV_COLUMNS.join(", ")}`);
  });
  if (!columns.includes("record")) problems.push(`${name}:${header.line}: there is no column "record" (plan, commitment, milestone or indicator)`);
  if (problems.length) throw new PlanFileError(problems);

  // Where each path of the structure came from: its row, and its column when it is a field.
  const places = new Map<string, { line: number; column?: string }>();
  const place = (path: PropertyKey[], line: number, column?: string) => places.set(path.join("/"), { line, column });
  let plan: Record<string, unknown> | undefined;
  const commitments: Record<string, unknown>[] = [];
  const pending: { kind: "milestones" | "indicators"; commitment: string; fields: Record<string, unknown>; row: Row; cols: Record<string, string> }[] = [];

  for (const row of rows) {
    const get = (c: string) => row.cells[columns.indexOf(c)] ?? "";
    const kind = get("record").toLowerCase();
    const fields = RECORDS[kind];
    if (!fields) {
      problems.push(`${name}:${row.line}: column record: "${get("record")}" is not plan, commitment, milestone or indicator`);
      continue;
    }
    if (row.cells.length > columns.length) problems.push(`${name}:${row.line}: the row has ${row.cells.length} cells, the header ${columns.length}`);
    for (const c of columns) {
      if (c !== "record" && !(c in fields) && get(c) !== "") problems.push(`${name}:${row.line}: column ${c}: a ${kind} row does not use it`);
    }
    const record: Record<string, unknown> = {};
    const cols: Record<string, string> = {};
    for (const [column, field] of Object.entries(fields)) {
      if (!field) continue;
      const value = get(column);
      cols[field] = column;
      if (value !== "") record[field] = field === "example" ? /^(true|sí|si|yes|1)$/i.test(value) : value;
    }
    if (kind === "plan") {
      if (plan) {
        problems.push(`${name}:${row.line}: a second plan row (a file holds one plan)`);
        continue;
      }
      const { start, end, ...rest } = record;
      plan = { ...rest, period: { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) } };
      place([], row.line);
      for (const [field, column] of Object.entries(cols)) {
        place(field === "start" || field === "end" ? ["period", field] : [field], row.line, column);
      }
      place(["period"], row.line, "period_start");
      place(["commitments"], row.line);
    } else if (kind === "commitment") {
      const i = commitments.length;
      commitments.push({ ...record, milestones: [], indicators: [] });
      place(["commitments", i], row.line);
      for (const [field, column] of Object.entries(cols)) place(["commitments", i, field], row.line, column);
    } else {
      pending.push({ kind: kind === "milestone" ? "milestones" : "indicators", commitment: get("commitment"), fields: record, row, cols });
    }
  }
  for (const p of pending) {
    const i = commitments.findIndex((c) => String(c.number ?? "") === p.commitment);
    if (i < 0) {
      problems.push(`${name}:${p.row.line}: column commitment: ${p.commitment ? `no commitment row has number ${p.commitment}` : "is empty"}`);
      continue;
    }
    const list = commitments[i][p.kind] as Record<string, unknown>[];
    const j = list.length;
    list.push(p.fields);
    place(["commitments", i, p.kind, j], p.row.line);
    for (const [field, column] of Object.entries(p.cols)) place(["commitments", i, p.kind, j, field], p.row.line, column);
  }
  if (!plan) throw new PlanFileError([...problems, `${name}: there is no plan row (record "plan": municipality, title, period, state)`]);

  const where: Locator = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const found = places.get(path.slice(0, n).join("/"));
      if (!found) continue;
      const column = n === path.length ? found.column : undefined;
      const field = n < path.length ? String(path[path.length - 1]) : undefined;
      return `${name}:${found.line}: ${column ? `column ${column}` : field ? `column ${csvColumn(path, field)}` : "row"}`;
    }
    return `${name}: ${path.map(String).join(".")}`;
  };
  // Rows that fit nowhere are listed with what the schema finds in the rest.
  return { raw: { ...plan, commitments }, where, problems };
}

/** The column a missing field would be in. */
function csvColumn(path: readonly PropertyKey[], field: string): string {
  if (path[0] === "period") return field === "end" ? "period_end" : "period_start";
  const kind = path.length <= 1 ? "plan" : path[2] === "milestones" ? "milestone" : path[2] === "indicators" ? "indicator" : "commitment";
  const entry = Object.entries(RECORDS[kind]).find(([, f]) => f === field);
  return entry?.[0] ?? field;
}

/** A cell; text that would start a formula is written inert (util/csv.ts), and read back as it was. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = Array.isArray(value) ? inertText(value.join(";")) : typeof value === "string" ? inertText(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The plan file's structure as CSV rows, in the columns' order. */
export function writeCsv(file: {
  example?: boolean;
  municipality: string;
  title: string;
  period: { start: string; end: string };
  state: string;
  commitments: (Record<string, unknown> & { number: number; milestones: Record<string, unknown>[]; indicators: Record<string, unknown>[] })[];
}): string {
  const lines = [CSV_COLUMNS.join(",")];
  const row = (kind: string, values: Record<string, unknown>) => {
    const fields = RECORDS[kind];
    lines.push(
      CSV_COLUMNS.map((column) => {
        if (column === "record") return kind;
        if (!(column in fields)) return "";
        return csvCell(values[fields[column] || column]);
      }).join(","),
    );
  };
  row("plan", { ...file, example: file.example ? "true" : "", start: file.period.start, end: file.period.end });
  for (const c of file.commitments) row("commitment", c);
  for (const c of file.commitments) for (const m of c.milestones) row("milestone", { ...m, commitment: c.number });
  for (const c of file.commitments) for (const m of c.indicators) row("indicator", { ...m, commitment: c.number });
  return `${lines.join("\n")}\n`;
}
