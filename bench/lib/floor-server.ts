// The floor under the release detail GET: a Fastify route doing the least any governed read must do, and nothing
// else. It hashes the bearer token and looks it up in memory (as a cached token is), reads the release's row by its
// primary key from the same store (one prepared statement on SQLite, one query on PostgreSQL), parses its JSON
// columns, and answers the very body Shipgate answered. What Shipgate adds above this (RBAC, the approval and preview
// it shows, masking, validation, logging scope) is what the read row can still win back; what this floor itself costs
// beside the bare route is out of any implementation's reach that reads the store on each request.
// Env: STORE (sqlite | postgres), DATABASE_URL, BODY_FILE. Prints `listening <port>`.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const body = readFileSync(process.env['BODY_FILE']!, 'utf8');
const url = process.env['DATABASE_URL']!;
const JSON_COLUMNS = ['spec', 'parameters', 'runtime_state', 'authors', 'provenance'];

async function openRead(): Promise<(id: string) => Promise<Record<string, unknown> | undefined>> {
  if (process.env['STORE'] === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return async (id) => (await pool.query('select * from releases where id = $1', [id])).rows[0];
  }
  const statement = new Database(url.replace(/^sqlite:(\/\/)?/, ''), { readonly: true }).prepare('select * from releases where id = ?');
  return async (id) => statement.get(id) as Record<string, unknown> | undefined;
}

const read = await openRead();
const tokens = new Map<string, { subject: string; at: number }>();
const app = Fastify();
app.get('/floor/:id', async (req, reply) => {
  const hash = createHash('sha256').update(String(req.headers.authorization)).digest('hex');
  if (!tokens.has(hash)) tokens.set(hash, { subject: 'reader', at: Date.now() });
  const row = await read((req.params as { id: string }).id);
  if (!row) return reply.code(404).send({ code: 'NOT_FOUND' });
  for (const column of JSON_COLUMNS) if (typeof row[column] === 'string') JSON.parse(row[column]);
  return reply.type('application/json; charset=utf-8').send(body);
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as AddressInfo).port}\n`);
