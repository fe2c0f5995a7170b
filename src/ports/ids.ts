/** Where identifiers and random bytes come from. */
export interface Ids {
  /** A new unique, time-ordered identifier (a UUID). */
  newId(): string;
  /** `n` cryptographically random bytes. */
  randomBytes(n: number): Uint8Array;
}
