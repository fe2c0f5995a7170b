import type { Release, TimelineEvent } from './client';
import { readToken } from '../session/session';
import { readSseFrames } from './sse-frames';

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
        const ended = await readSseFrames(res.body, (frame) => {
          if (frame.id !== null) lastEventId = frame.id;
          if (frame.event === 'timeline') handlers.onEvent(JSON.parse(frame.data) as TimelineEvent);
          else if (frame.event === 'release') handlers.onRelease(JSON.parse(frame.data) as Release);
          // The server's last frame: a terminal release or a lost token is not worth reconnecting for.
          else if (frame.event === 'end') return !(JSON.parse(frame.data) as { reconnect: boolean }).reconnect;
          return false;
        });
        if (ended) return;
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void connect();
  return () => controller.abort();
}
