/** The list with item `i` changed by `patch` (forms that edit rows in place). */
export function patchedAt<T extends object>(list: readonly T[], i: number, patch: Partial<T>): T[] {
  return list.map((item, j) => (j === i ? { ...item, ...patch } : item));
}

/** The list without item `i`. */
export function removedAt<T>(list: readonly T[], i: number): T[] {
  return list.filter((_, j) => j !== i);
}
