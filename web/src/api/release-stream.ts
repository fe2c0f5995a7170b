import type { Release, TimelineEvent } from './client';
import { readToken } from '../session/session';

export interface StreamHandlers {
  onEvent(event: TimelineEvent): void;
  onRelease(release: Release): void;
}

const shared = new Map<string, { handlers: Set<StreamHandlers>; stop: () => void }>();

/**
 * Follows a release with one shared stream per release, however many components watch it: browsers allow only a
 * few connections per host, and every open stream holds one.
 */
export function watchRelease(id: string, handlers: StreamHandlers): () => void {
  let entry = shared.get(id);
  if (!entry) {
    const set = new Set<StreamHandlers>();
    const stop = followRelease(id, {
      onEvent: (e) => set.forEach((h) => h.onEvent(e)),
      onRelease: (r) => set.forEach((h) => h.onRelease(r)),
    });
    entry = { handlers: set, stop };
    shared.set(id, entry);
  }
  entry.handlers.add(handlers);
  const current = entry;
  return () => {
    current.handlers.delete(handlers);
    if (current.handlers.size === 0) {
      current.stop();
      shared.delete(id);
    }
  };
}

/**
 * Follows `GET /releases/{id}/stream` (Server-Sent Events) with the bearer token — which EventSource cannot send —
 * and reconnects from the last event id, unless the server's `end` frame says not to. Returns a function that stops it.
 */
function followRelease(id: string, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let lastEventId = '';
  const connect = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(`/api/v1/releases/${id}/stream`, {
          headers: {
            // Without a token, the session cookie goes along by itself.
            ...(readToken() ? { authorization: `Bearer ${readToken()}` } : {}),
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
          signal: controller.signal,
        });
        if (!res.ok || !res.body) return;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
              else if (line.startsWith('id: ')) lastEventId = line.slice(4);
            }
            if (!data) continue;
            if (event === 'timeline') handlers.onEvent(JSON.parse(data) as TimelineEvent);
            else if (event === 'release') handlers.onRelease(JSON.parse(data) as Release);
            // The server's last frame: a terminal release or a lost token is not worth reconnecting for.
            else if (event === 'end' && !(JSON.parse(data) as { reconnect: boolean }).reconnect) return;
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void connect();
  return () => controller.abort();
}
