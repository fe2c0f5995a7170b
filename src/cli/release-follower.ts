import { createParser } from 'eventsource-parser';
import type { ApiClient } from './api-client.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Release, TimelineEvent } from './api-types.js';

export interface FollowOptions {
  /** Each timeline event, in order. */
  onEvent?: (event: TimelineEvent) => void;
  /** The release each time it changes. */
  onRelease?: (release: Release) => void;
  /** Stop following once this holds of the release (a terminal release always stops it). */
  until: (release: Release) => boolean;
  signal: AbortSignal;
}

const TERMINAL = new Set(['rejected', 'succeeded', 'failed', 'interrupted', 'cancelled', 'rolled_back']);

/** True when a release never changes by itself any more. */
export function isTerminal(release: Release): boolean {
  return TERMINAL.has(release.state);
}

/**
 * Follows a release through its Server-Sent Events stream until `until` holds, reconnecting (from the last event
 * seen) when the server ends the stream for its own reasons or the connection drops. Resolves with the release.
 */
export async function followRelease(client: ApiClient, id: string, options: FollowOptions): Promise<Release> {
  let lastEventId = 0;
  let latest: Release | null = null;
  let failures = 0;
  for (;;) {
    const ended = await new Promise<{ done: boolean; reconnect: boolean }>((resolve, reject) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      options.signal.addEventListener('abort', stop, { once: true });
      let settled = false;
      const finish = (value: { done: boolean; reconnect: boolean }) => {
        if (settled) return;
        settled = true;
        options.signal.removeEventListener('abort', stop);
        controller.abort();
        resolve(value);
      };
      const parser = createParser({
        onEvent: (message) => {
          if (message.event === 'timeline') {
            const event = JSON.parse(message.data) as TimelineEvent;
            lastEventId = Math.max(lastEventId, event.seq);
            options.onEvent?.(event);
          } else if (message.event === 'release') {
            latest = JSON.parse(message.data) as Release;
            options.onRelease?.(latest);
            if (options.until(latest) || isTerminal(latest)) finish({ done: true, reconnect: false });
          } else if (message.event === 'end') {
            const end = JSON.parse(message.data) as { reason: string; reconnect: boolean };
            if (!end.reconnect && end.reason !== 'terminal') {
              reject(new CliError(`the release stream ended: ${end.reason}`, end.reason === 'error' ? EXIT.unreachable : EXIT.refused));
              return;
            }
            finish({ done: end.reason === 'terminal', reconnect: end.reconnect });
          }
        },
      });
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId > 0) headers['last-event-id'] = String(lastEventId);
      client
        .raw('GET', `/releases/${id}/stream`, undefined, { signal: controller.signal, headers })
        .then(async (response) => {
          failures = 0;
          const decoder = new TextDecoder();
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
            parser.feed(decoder.decode(chunk, { stream: true }));
          finish({ done: false, reconnect: true });
        })
        .catch((error: unknown) => {
          if (settled || options.signal.aborted) return finish({ done: true, reconnect: false });
          if (error instanceof CliError && error.exitCode !== EXIT.unreachable) return reject(error);
          failures += 1;
          if (failures > 5) return reject(error instanceof Error ? error : new Error(String(error)));
          finish({ done: false, reconnect: true });
        });
    });
    if (options.signal.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted');
    if (ended.done && latest) return latest;
    if (ended.done || !ended.reconnect) return client.get<Release>(`/releases/${id}`);
    await new Promise((r) => setTimeout(r, Math.min(5_000, 500 * 2 ** failures)));
  }
}
