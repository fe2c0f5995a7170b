// How domain values sit in columns on both dialects: JSON as text, booleans as 0/1.

/** Reads a JSON text column. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Reads a 0/1 column. */
export function fromFlag(value: number): boolean {
  return Boolean(value);
}

/** Writes a boolean as 0/1. */
export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}
