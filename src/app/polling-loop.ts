import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Runs `tick` one at a time: when woken, and `intervalMs` after the last tick otherwise (for work other processes
 * wrote). A wake during a tick runs one more right after it, so nothing written meanwhile waits for the interval.
 * @example const loop = new PollingLoop(() => this.tick(), 1_000, (err) => logger.error({ err }, 'tick failed')); loop.start()
 */
export class PollingLoop {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** A sooner next tick than the interval, asked for by the tick under way. */
  private soonerMs: number | null = null;
  /** Runs a tick in the context the loop was made in: work a request wakes is not logged as that request's. */
  private readonly detached = AsyncLocalStorage.snapshot();

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts ticking now; false when it was running already. */
  start(): boolean {
    if (!this.stopped) return false;
    this.stopped = false;
    this.wake();
    return true;
  }

  /** Ticks now, or right after the tick under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.current) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = this.detached(() => this.tick())
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.current = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          const delay = Math.min(this.intervalMs, this.soonerMs ?? Number.POSITIVE_INFINITY);
          this.soonerMs = null;
          this.timer = setTimeout(() => this.wake(), delay);
          // A pending tick never keeps the process alive.
          this.timer.unref();
        }
      });
  }

  /** Called by a tick: the next tick comes within `ms` rather than after the whole interval. */
  within(ms: number): void {
    this.soonerMs = Math.max(0, Math.min(this.soonerMs ?? Number.POSITIVE_INFINITY, ms));
  }

  /** Stops ticking; resolves when the tick under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** The tick under way, if any. */
  get ticking(): Promise<void> | null {
    return this.current;
  }
}
