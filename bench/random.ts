/** A deterministic sequence, so every run of a benchmark measures the same data. */
let seed = 42;

export function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}

export const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
