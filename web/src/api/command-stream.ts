import { ApiError, type Problem } from './client';
import { readCsrf, readToken } from '../session/session';
import { readSseFrames } from './sse-frames';

/** A command-center answer as `POST /api/v1/ai/messages` returns it. */
export interface CommandAnswer {
  conversationId: string;
  reply: string;
  actions: unknown[];
}

export interface CommandStreamHandlers {
  /** What one action did, in Shipgate's words, as it is done. */
  onStep(step: { reply: string; actions: unknown[] }): void;
  /** A sentence of the language model that passed the check of its claims. */
  onText(text: string): void;
}

/**
 * Sends a message to `POST /api/v1/ai/messages/stream` and passes on the answer as it is made; resolves with the whole
 * answer, or throws the refusal (an `ApiError`, as the plain endpoint would).
 */
export async function sendCommand(
  body: { text: string; conversationId?: string },
  handlers: CommandStreamHandlers,
): Promise<CommandAnswer> {
  const token = readToken();
  const csrf = readCsrf();
  const res = await fetch('/api/v1/ai/messages/stream', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'x-shipgate-channel': 'ui',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(!token && csrf ? { 'x-shipgate-csrf': csrf } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!res.ok || !res.body) {
    const problem = (await res.json().catch(() => null)) as Problem | null;
    throw new ApiError(
      problem ?? { type: 'about:blank', title: res.statusText, status: res.status, detail: res.statusText, code: `HTTP_${res.status}` },
    );
  }
  let answer: CommandAnswer | null = null;
  let refusal: Problem | null = null;
  await readSseFrames(res.body, (frame) => {
    const parsed = JSON.parse(frame.data) as unknown;
    if (frame.event === 'step') handlers.onStep(parsed as { reply: string; actions: unknown[] });
    else if (frame.event === 'text') handlers.onText((parsed as { text: string }).text);
    else if (frame.event === 'reply') answer = parsed as CommandAnswer;
    else if (frame.event === 'problem') refusal = parsed as Problem;
    return answer !== null || refusal !== null;
  });
  if (refusal) throw new ApiError(refusal);
  if (answer) return answer;
  throw new ApiError({
    type: 'about:blank',
    title: 'The answer stopped',
    status: 502,
    detail: 'the answer stopped before it was whole',
    code: 'HTTP_502',
  });
}
