import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Shipgate } from '../../app/shipgate.js';

const POLL_MS = 1_000;
const KEEPALIVE_MS = 15_000;

/**
 * Streams a release as Server-Sent Events: every timeline event after `Last-Event-ID` (its `seq`), then the release.
 * Wakes on in-process writes and polls for other processes' writes. Permission is checked before anything is sent.
 */
export async function streamRelease(shipgate: Shipgate, request: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
  const lastEventId = Number.parseInt(String(request.headers['last-event-id'] ?? ''), 10);
  let after = Number.isFinite(lastEventId) && lastEventId >= 0 ? lastEventId : 0;
  const first = await shipgate.releases.streamBatch(request.caller, id, after);

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');

  let closed = false;
  let lastReleaseJson = '';
  let pending: Promise<void> = Promise.resolve();
  const send = (batch: typeof first) => {
    for (const event of batch.events) {
      res.write(`id: ${event.seq}\nevent: timeline\ndata: ${JSON.stringify(event)}\n\n`);
      after = event.seq;
    }
    const releaseJson = JSON.stringify(batch.release);
    if (releaseJson !== lastReleaseJson) {
      res.write(`event: release\ndata: ${releaseJson}\n\n`);
      lastReleaseJson = releaseJson;
    }
  };
  const pull = () => {
    pending = pending
      .then(async () => {
        if (closed) return;
        send(await shipgate.releases.streamBatch(request.caller, id, after));
      })
      .catch((error: unknown) => {
        request.log.warn({ err: error }, 'release stream ended');
        close();
      });
  };
  const poll = setInterval(pull, POLL_MS);
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
  const unsubscribe = shipgate.ctx.bus.subscribe(id, pull);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(poll);
    clearInterval(keepalive);
    unsubscribe();
    res.end();
  };
  request.raw.on('close', close);
  send(first);
}
