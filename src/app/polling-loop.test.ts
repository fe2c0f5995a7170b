import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { PollingLoop } from './polling-loop.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PollingLoop', () => {
  it('ticks outside the request that woke it: background work is not logged as that request', async () => {
    const request = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const loop = new PollingLoop(
      async () => {
        await sleep(1);
        seen.push(request.getStore());
      },
      10,
      (error) => {
        throw error;
      },
    );
    request.run('request-1', () => loop.start());
    await sleep(30);
    request.run('request-2', () => loop.wake());
    await sleep(60);
    await loop.stop();
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((s) => s === undefined)).toBe(true);
  });

  it('ticks within a shorter time when a tick asks for it, then on its interval again', async () => {
    let ticks = 0;
    const loop: PollingLoop = new PollingLoop(
      async () => {
        ticks++;
        if (ticks === 1) loop.within(20);
      },
      60_000,
      (error) => {
        throw error;
      },
    );
    loop.start();
    await sleep(200);
    await loop.stop();
    expect(ticks).toBe(2);
  });
});
