import type { Clock } from '../../src/ports/clock.js';

/** The wall clock, shifted by an offset a test can advance (for TTLs, expiry and freeze windows). */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
