/** Folios: `MET-2026-000123`, readable over the phone and forgiving when typed back. */

/** `digits`: how many digits the number has (config/deployment.yaml). */
export function formatFolio(prefix: string, year: number, seq: number, digits: number): string {
  return `${prefix}-${year}-${String(seq).padStart(digits, "0")}`;
}

/** "met 2026 123", "MET-2026-000123", "met2026000123" → "MET-2026-000123"; anything else → undefined. */
export function parseFolio(text: string, digits: number): string | undefined {
  const m = new RegExp(`^\\s*([a-zA-Z]{3})[\\s\\-_./]*(\\d{4})[\\s\\-_./]*(\\d{1,${digits}})\\s*$`).exec(text.slice(0, 40));
  if (!m) return undefined;
  return formatFolio(m[1].toUpperCase(), Number(m[2]), Number(m[3]), digits);
}

/** A folio inside a sentence ("mi folio es TOL-2026-000001"), for the understanding to find. */
export function folioInText(digits: number): RegExp {
  return new RegExp(`\\b[a-z]{3}[\\s\\-_./]*\\d{4}[\\s\\-_./]*\\d{1,${digits}}\\b`, "gi");
}
