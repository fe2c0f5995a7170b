import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';

// What an operator asks beyond the lifecycle steps — what runs where, whether it is healthy, drift, policy, cancel —
// answered through the same use cases as the API: the same facts, and the same refusals.

const SPEC = 'services:\n  web:\n    image: web:${TAG}\n';

describe.each(DIALECTS)('the command center answers operators (%s)', (dialect) => {
  let srv: TestServer;
  let dana: string;
  let stella: string;
  let baseId: string;

  const say = (token: string, text: string, conversationId?: string) =>
    srv.api(token, 'POST', '/api/v1/ai/messages', { text, ...(conversationId ? { conversationId } : {}) });

  const waitFor = (id: string, state: string) =>
    eventually(
      async () => ((await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state === state ? true : null),
      10_000,
      `${id} ${state}`,
    );

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    for (const env of [
      { name: 'staging', runtime: 'compose', target: { project: 'opstg' } },
      { name: 'production', runtime: 'compose', target: { project: 'opprod' }, approval: { required: true, minApprovers: 1 } },
    ]) {
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    }
    dana = await srv.tokenFor('dana', 'deployer');
    stella = await srv.tokenFor('stella', 'viewer', ['staging']);
    const base = await srv.api(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: SPEC },
      parameters: { TAG: '1' },
    });
    baseId = base.body.id;
    const p = await srv.api(dana, 'POST', `/api/v1/releases/${baseId}/preview`);
    await srv.api(dana, 'POST', `/api/v1/releases/${baseId}/apply`, { previewToken: p.body.preview.token });
    await waitFor(baseId, 'succeeded');
  });
  afterAll(async () => srv?.close());

  it('says what runs in an environment, as the releases list shows it', async () => {
    const res = await say(stella, "what's running in staging?");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.reply).toContain(`web runs release ${baseId.slice(0, 8)} (TAG=1)`);
    expect(res.body.actions.map((a: { type: string; releaseId?: string }) => [a.type, a.releaseId])).toEqual([['release', baseId]]);
  });

  it('says whether an application is healthy from the same diagnostics the API shows', async () => {
    const res = await say(stella, 'is web healthy in stg?');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const api = await srv.api(stella, 'GET', `/api/v1/releases/${baseId}/diagnostics`);
    expect(api.status).toBe(200);
    expect(res.body.reply).toContain(api.body.summary);
    const card = res.body.actions.find((a: { type: string }) => a.type === 'diagnostics');
    expect(card.summary).toBe(api.body.summary);
    expect(card.findings.map((f: { code: string }) => f.code)).toEqual(api.body.findings.map((f: { code: string }) => f.code));
  });

  it('reports drift as the drift API does', async () => {
    const res = await say(stella, 'any drift in staging?');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const api = await srv.api(stella, 'GET', '/api/v1/environments/staging/drift');
    expect(api.status).toBe(200);
    for (const d of api.body.items as Array<{ application: string; status: string }>) {
      expect(res.body.reply).toContain(d.status === 'in_sync' ? `${d.application} is in sync` : d.application);
    }
  });

  it("drafts with the version as written, shows the preview's policy verdict, and cancels the draft", async () => {
    const drafted = await say(dana, 'push web v5 to staging');
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(200);
    const id = drafted.body.release.id as string;
    expect(drafted.body.release.parameters).toEqual({ TAG: 'v5' });
    const conversationId = drafted.body.conversationId as string;

    const policy = await say(dana, 'does it pass policy?', conversationId);
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
    const timeline = await srv.api(dana, 'GET', `/api/v1/releases/${id}/timeline`);
    const verdict = timeline.body.items.filter((e: { type: string }) => e.type === 'preview.created').at(-1).data.policy;
    expect(policy.body.reply).toContain(verdict.passed ? 'passes' : 'denies');

    const cancelled = await say(dana, 'cancel it', conversationId);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.release).toMatchObject({ id, state: 'cancelled' });
    const events = (await srv.api(dana, 'GET', `/api/v1/releases/${id}/timeline`)).body.items;
    expect(events.at(-1)).toMatchObject({
      type: 'release.state_changed',
      data: { from: 'previewed', to: 'cancelled' },
      actor: { type: 'user', id: 'dana' },
      channel: 'ai',
    });
    // A release that ran cannot be cancelled: the reply says so and points at a rollback.
    const ran = await say(dana, `cancel ${baseId}`);
    expect(ran.body.reply).toContain('roll it back');
    expect((await srv.api(dana, 'GET', `/api/v1/releases/${baseId}`)).body.state).toBe('succeeded');
  });

  it('investigates a failure with the facts of the diagnostics API: findings, masked logs, what changed, the next step', async () => {
    const secret = 'investigation-canary-5521';
    const spec = { compose: 'services:\n  api:\n    image: api:${TAG}\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n' };
    const release = async (tag: string, state: string) => {
      const r = await srv.api(dana, 'POST', '/api/v1/releases', {
        application: 'api',
        environment: 'staging',
        spec,
        parameters: { TAG: tag, DB_PASSWORD: secret },
      });
      const p = await srv.api(dana, 'POST', `/api/v1/releases/${r.body.id}/preview`);
      await srv.api(dana, 'POST', `/api/v1/releases/${r.body.id}/apply`, { previewToken: p.body.preview.token });
      await waitFor(r.body.id, state);
      return r.body.id as string;
    };
    const good = await release('1', 'succeeded');
    const bad = await release('fail', 'failed');
    const api = (await srv.api(dana, 'GET', `/api/v1/releases/${bad}/diagnostics`)).body;
    const errors = api.findings.filter((f: { severity: string }) => f.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);

    const res = await say(dana, 'why did api fail in staging?');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    // The findings in plain words, as the API has them.
    expect(res.body.reply).toContain(`(${errors[0].code} on ${errors[0].resource.kind}/${errors[0].resource.name})`);
    const card = res.body.actions.find((a: { type: string }) => a.type === 'diagnostics');
    expect(card.findings.map((f: { code: string }) => f.code)).toEqual(api.findings.map((f: { code: string }) => f.code));
    // The log lines, as the API has them (masked there and here).
    expect(card.logs).toEqual(
      api.logs.map((l: { resource: string; lines: string[] }) => ({ resource: l.resource, lines: l.lines.slice(-5) })),
    );
    expect(card.logs[0].lines.join('\n')).toContain('********');
    expect(res.body.reply).toContain('fatal: boom');
    // What changed since the last good release: its parameters, masked as the views mask them.
    expect(res.body.actions.find((a: { type: string }) => a.type === 'changes')).toEqual({
      type: 'changes',
      releaseId: bad,
      sinceReleaseId: good,
      parameters: [{ name: 'TAG', from: '1', to: 'fail' }],
    });
    expect(res.body.reply).toContain(`Since the last good release, ${good.slice(0, 8)}: TAG 1 → fail`);
    // What its preview changed against what ran, as its timeline recorded it.
    const previewed = (await srv.api(dana, 'GET', `/api/v1/releases/${bad}/timeline`)).body.items.filter(
      (e: { type: string }) => e.type === 'preview.created',
    );
    const s = previewed.at(-1).data.summary;
    expect(res.body.reply).toContain(`(${s.create} to create, ${s.update} to update, ${s.delete} to delete)`);
    // The next safe step: a rollback proposed to the deployer, which runs only when confirmed.
    const proposals = res.body.actions.filter((a: { type: string }) => a.type === 'proposal');
    expect(proposals.map((p: { kind: string; label: string; status: string }) => [p.kind, p.label, p.status])).toEqual([
      ['action', `Roll back to ${good.slice(0, 8)}`, 'proposed'],
    ]);
    expect(res.body.actions.find((a: { type: string }) => a.type === 'next_steps').items).toEqual([
      { label: 'Show the timeline', message: `show the timeline of ${bad}` },
    ]);
    const history = await srv.api(dana, 'GET', `/api/v1/ai/conversations/${res.body.conversationId}`);
    expect(JSON.stringify(history.body)).not.toContain(secret);
    const rollbacksBefore = (await srv.api(dana, 'GET', '/api/v1/releases?environment=staging&limit=200')).body.items.filter(
      (r: { kind: string }) => r.kind === 'rollback',
    ).length;
    const confirmed = await srv.api(dana, 'POST', '/api/v1/ai/confirmations', {
      conversationId: res.body.conversationId,
      actionId: proposals[0].id,
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.release).toMatchObject({ kind: 'rollback', rollbackTo: good, state: 'previewed', channel: 'ai' });
    expect(confirmed.body.actions.find((a: { type: string; kind?: string }) => a.type === 'proposal' && a.kind === 'apply')).toBeTruthy();
    const rollbacksAfter = (await srv.api(dana, 'GET', '/api/v1/releases?environment=staging&limit=200')).body.items.filter(
      (r: { kind: string }) => r.kind === 'rollback',
    ).length;
    expect(rollbacksAfter).toBe(rollbacksBefore + 1);

    // A viewer gets the same facts, and no rollback offered.
    const seen = await say(stella, 'why did api fail in staging?');
    expect(seen.status).toBe(200);
    const viewerSteps = seen.body.actions.find((a: { type: string }) => a.type === 'next_steps').items;
    expect(viewerSteps.map((s: { message: string }) => s.message)).toEqual([`show the timeline of ${bad}`]);
    expect(seen.body.actions.filter((a: { type: string }) => a.type === 'proposal')).toEqual([]);
    expect(seen.body.reply).toContain('A deployer of staging can roll it back');
  });

  it('refuses what the caller may not read with the same FORBIDDEN as the API, for every new question', async () => {
    const api = await srv.api(stella, 'GET', '/api/v1/environments/production/drift');
    expect([api.status, api.body.code]).toEqual([403, 'FORBIDDEN']);
    for (const text of [
      'what runs in production',
      'any drift in production?',
      'is web healthy in production?',
      'policy results for web in production',
      'cancel web in production',
    ]) {
      const res = await say(stella, text);
      expect([res.status, res.body.code], text).toEqual([403, 'FORBIDDEN']);
    }
    // A viewer's cancel is refused as the API refuses it, and nothing changes.
    const draft = await srv.api(dana, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', fromReleaseId: baseId });
    const refused = await say(stella, `cancel ${draft.body.id}`);
    const direct = await srv.api(stella, 'POST', `/api/v1/releases/${draft.body.id}/cancel`);
    expect([refused.status, refused.body.code]).toEqual([direct.status, direct.body.code]);
    expect((await srv.api(dana, 'GET', `/api/v1/releases/${draft.body.id}`)).body.state).toBe('draft');
  });
});
