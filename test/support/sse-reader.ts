/** One Server-Sent Event as a test sees it (`data` parsed as JSON). */
export interface SseEvent {
  event: string;
  data: any;
  id?: string;
}

/** An open (or refused) Server-Sent Events response, read in the background. */
export interface SseStream {
  status: number;
  headers: Headers;
  /** The parsed body of a refusal (status other than 200). */
  body: any;
  /** Every event received so far. */
  events: SseEvent[];
  /** True once the server ended the stream. */
  readonly ended: boolean;
  /** Resolves with the events once `check` holds or the server ended the stream; rejects after `timeoutMs`. */
  until(check: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves with the events once the server ended the stream; rejects after `timeoutMs`. */
  end(timeoutMs?: number): Promise<SseEvent[]>;
  /** Disconnects. */
  close(): void;
}

/**
 * Opens `url` as a Server-Sent Events stream with the given headers and parses its frames as they come.
 * @example const s = await openSse(`${url}/api/v1/releases/${id}/stream`, { authorization: `Bearer ${t}` }); await s.end()
 */
export async function openSse(
  url: string,
  headers: Record<string, string>,
  init: { method?: string; body?: string } = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal, ...init });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wake = () => waiters.forEach((w) => w());

  let body: any = null;
  if (res.status !== 200) {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
    ended = true;
  } else {
    void (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let idx: number;
          while ((idx = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, idx);
            buffer = buffer.slice(idx + 2);
            const fields = Object.fromEntries(
              block
                .split('\n')
                .filter((l) => l && !l.startsWith(':'))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
            );
            if (fields['data']) events.push({ event: fields['event'] ?? 'message', data: JSON.parse(fields['data']), id: fields['id'] });
          }
          wake();
        }
      } catch {
        // aborted by close()
      } finally {
        ended = true;
        wake();
      }
    })();
  }

  const until = (check: (events: SseEvent[]) => boolean, timeoutMs = 15_000) =>
    new Promise<SseEvent[]>((resolve, reject) => {
      const done = () => {
        if (!check(events) && !ended) return;
        clearTimeout(timer);
        waiters.delete(done);
        resolve(events);
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(new Error(`stream: condition not met within ${timeoutMs} ms; events: ${events.map((e) => e.event).join(', ')}`));
      }, timeoutMs);
      waiters.add(done);
      done();
    });

  return {
    status: res.status,
    headers: res.headers,
    body,
    events,
    get ended() {
      return ended;
    },
    until,
    end: (timeoutMs) => until(() => false, timeoutMs),
    close: () => controller.abort(),
  };
}
