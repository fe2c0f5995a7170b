import { expect } from 'vitest';
import { ADMIN_TOKEN, eventually, type TestServer } from './test-server.js';

/** What a release is drafted from. */
export interface DraftInput {
  application: string;
  environment: string;
  spec: { compose: string } | { manifests: string };
  parameters?: Record<string, string>;
}

/** Drafts and previews a release as the admin: its id and the preview's token. */
export async function previewed(srv: TestServer, draft: DraftInput): Promise<{ id: string; token: string }> {
  const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', draft);
  expect(rel.status, JSON.stringify(rel.body)).toBe(201);
  const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  return { id: rel.body.id as string, token: p.body.preview.token as string };
}

/** Drafts, previews and applies a release as the admin, and resolves with its id once it succeeded. */
export async function deployed(srv: TestServer, draft: DraftInput, timeoutMs = 60_000): Promise<string> {
  const { id, token } = await previewed(srv, draft);
  const applied = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token });
  expect(applied.status, JSON.stringify(applied.body)).toBe(202);
  await eventually(
    async () => (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state === 'succeeded',
    timeoutMs,
    `release ${id} succeeded`,
  );
  return id;
}

/** The `drift.detected` events on a release's timeline. */
export async function driftEvents(srv: TestServer, releaseId: string): Promise<any[]> {
  const res = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${releaseId}/timeline`);
  return res.body.items.filter((e: any) => e.type === 'drift.detected');
}
