/**
 * What a log line may say of an error: its type and message, never the data it was about. Long
 * runs of digits (a phone number or chat id quoted by a driver's "duplicate key" message, say)
 * are masked.
 */
export function errorInfo(err: unknown): { type?: string; message?: string } {
  const message = (err as Error)?.message;
  return { type: (err as Error)?.name, message: typeof message === "string" ? maskNumbers(message) : undefined };
}

export function maskNumbers(text: string): string {
  return text.replace(/\d{7,}/g, (digits) => `${"#".repeat(3)}${digits.length}d`);
}
