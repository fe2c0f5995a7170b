/** One Server-Sent Events frame that carried data: its event name (`message` by default), data and id, if any. */
export interface SseFrame {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Reads a response body as Server-Sent Events, calling `onFrame` for each frame with data, until the body ends or
 * `onFrame` returns true (then it resolves true).
 */
export async function readSseFrames(body: ReadableStream<Uint8Array>, onFrame: (frame: SseFrame) => boolean | void): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: SseFrame = { event: 'message', data: '', id: null };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('data: ')) frame.data += line.slice(6);
        else if (line.startsWith('id: ')) frame.id = line.slice(4);
      }
      if (frame.data && onFrame(frame) === true) {
        await reader.cancel().catch(() => undefined);
        return true;
      }
    }
  }
}
