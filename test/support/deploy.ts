import { expect } from 'vitest';
import { ADMIN_TOKEN, eventually, type TestServer } from './test-server.js';

/** What a release is drafted from. */
export interface DraftInput {
  application: string;
  environment: string;
  spec: { compose: string } | { manifests: string };
  parameters?: Record<string, string>;
  description?: string;
}

/** Drafts and previews a release as the admin: its id and the preview's token. */
export async function previewed(srv: TestServer, draft: DraftInput): Promise<{ id: string; token: string }> {
  const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', draft);
  expect(rel.status, JSON.stringify(rel.body)).toBe(201);
  const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  return { id: rel.body.id as string, token: p.body.preview.token as string };
}

/** Waits until a release is in one of `states`, and resolves with it as the API shows it to the admin. */
export async function releaseIn(srv: TestServer, id: string, states: string[], timeoutMs = 10_000): Promise<any> {
  return eventually(
    async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
      return states.includes(r.body.state) ? r.body : null;
    },
    timeoutMs,
    `release ${id} in ${states.join('|')}`,
  );
}

/** Drafts, previews and applies a release as the admin, and resolves with its id once it succeeded. */
export async function deployed(srv: TestServer, draft: DraftInput, timeoutMs = 60_000): Promise<string> {
  const { id, token } = await previewed(srv, draft);
  const applied = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token });
  expect(applied.status, JSON.stringify(applied.body)).toBe(202);
  await releaseIn(srv, id, ['succeeded'], timeoutMs);
  return id;
}

/** The `drift.detected` events on a release's timeline. */
export async function driftEvents(srv: TestServer, releaseId: string): Promise<any[]> {
  const res = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${releaseId}/timeline`);
  return res.body.items.filter((e: any) => e.type === 'drift.detected');
}
