import type { Logger } from 'pino';
import type { DriftUseCases } from './drift.use-cases.js';

/**
 * Checks every environment for drift every `intervalMs` (0: never), in the background. Each process sharing a store
 * may run one: the use case tells each drift once whoever finds it.
 */
export class DriftMonitor {
  private timer: NodeJS.Timeout | null = null;
  private checking: { controller: AbortController; done: Promise<void> } | null = null;
  private stopped = true;

  constructor(
    private readonly drift: DriftUseCases,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Starts checking, the first time one interval from now. */
  start(): void {
    if (!this.stopped || this.intervalMs <= 0) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops checking; a check under way ends after the environment it is at. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.checking?.controller.abort();
    await this.checking?.done;
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.check(), this.intervalMs);
    // A pending check never keeps the process alive.
    this.timer.unref();
  }

  private check(): void {
    this.timer = null;
    const controller = new AbortController();
    const done = this.drift
      .checkEverywhere(controller.signal)
      .catch((error: unknown) => this.logger.error({ err: error }, 'drift check failed'))
      .finally(() => {
        this.checking = null;
        if (!this.stopped) this.schedule();
      });
    this.checking = { controller, done };
  }
}
