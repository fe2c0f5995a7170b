/** Where time comes from, so the core and the use cases are deterministic in tests. */
export interface Clock {
  now(): Date;
}
