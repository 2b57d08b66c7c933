/**
 * CSV cells a spreadsheet never runs (CSV injection): text that would start a formula (`=`, `+`, `-`,
 * `@`, a tab or a carriage return) is written with a leading apostrophe, which spreadsheets show as text
 * and do not display; reading the file back takes it off again.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The text as a cell that shows it and never runs it. */
export function inertText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The text an `inertText` cell held. */
export function fromInertText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
