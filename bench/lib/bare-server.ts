// The yardstick: a bare Fastify route answering a small JSON object, in a process of its own, on the port it prints.
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';

const app = Fastify();
app.get('/bare/:id', async (req) => ({ id: (req.params as { id: string }).id, state: 'approved' }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as AddressInfo).port}\n`);
