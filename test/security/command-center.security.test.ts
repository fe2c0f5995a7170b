import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { LlmInterpreter } from '../../src/adapters/ai/llm-interpreter.js';
import { openDatabase } from '../../src/adapters/storage/database.js';
import * as conversationGuard from '../../src/adapters/storage/migrations/2026-11-26T1200-conversation-guard.migration.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import type { Caller } from '../../src/app/caller.js';
import { isShipgateError } from '../../src/core/errors.js';
import { ADMIN_TOKEN, eventually, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';
import { DIALECTS, testDatabase } from '../support/dialects.js';
import { FakeOpenAi } from '../support/fake-openai.js';

// The command center as an attacker would try it, on both stores: a viewer of one environment fishing for another's
// data, conversation state that races or holds credentials, parameters it might guess, a deploy that might start
// from the wrong environment, a model that claims what did not happen, and secrets in every direction.

/** Secrets: never in any response, stored message, conversation state or log line of the suite. */
const PROD_SECRET = 'prod-secret-canary-7c1d';
const PROD_URL_PASSWORD = 'prod-urlpw-canary-2b9e';
const OPERATOR_SECRET = 'hunter2-canary-0f0f';
const OPERATOR_URL_PASSWORD = 'op-urlpw-canary-1e1e';
const SECRETS = [PROD_SECRET, PROD_URL_PASSWORD, OPERATOR_SECRET, OPERATOR_URL_PASSWORD];
/** Production data a viewer of staging only must never learn. */
const PROD_PARAM = 'prod-param-canary-5a3f';
const PROD_DESC = 'prod-desc-canary-88aa';
const PROD_SERVICE = 'prodsvc-canary';

const STAGING_SPEC = 'services:\n  web:\n    image: web:${IMAGE_TAG}\n';
const PROD_SPEC = [
  'services:',
  `  ${PROD_SERVICE}:`,
  '    image: web:${IMAGE_TAG}',
  '    environment:',
  '      DB_PASSWORD: ${DB_PASSWORD}',
  `      DSN: postgres://app:${PROD_URL_PASSWORD}@db:5432/app`,
  '      NOTE: ${NOTE}',
  '',
].join('\n');
const PREVIEW_TOKEN = /sgp_[A-Za-z0-9_-]{43}/;
const HOUR = 3_600_000;

/** Everything of a problem+json the client sees. */
const problem = (r: ApiResponse) => ({
  status: r.status,
  code: r.body?.code,
  detail: r.body?.detail,
  type: r.body?.type,
  title: r.body?.title,
});

describe.each(DIALECTS)('the command center under attack (%s)', (dialect) => {
  let srv: TestServer;
  let dana: string; // deployer everywhere
  let alice: string; // approver everywhere
  let dave: string; // another deployer everywhere
  let stella: string; // viewer of staging only
  let stagingBase: string;
  let prodFailed: string;
  let prodPending: string;
  const seen: ApiResponse[] = [];
  const conversationIds = new Set<string>();

  async function call(token: string | null, method: string, path: string, body?: unknown) {
    const res = await srv.api(token, method, path, body);
    seen.push(res);
    return res;
  }

  async function say(token: string, text: string, conversationId?: string) {
    const res = await call(token, 'POST', '/api/v1/ai/messages', { text, ...(conversationId ? { conversationId } : {}) });
    if (res.body?.conversationId) conversationIds.add(res.body.conversationId);
    return res;
  }

  async function confirm(token: string, conversationId: string, actionId: string) {
    return call(token, 'POST', '/api/v1/ai/confirmations', { conversationId, actionId });
  }

  async function waitFor(id: string, state: string) {
    return eventually(
      async () => {
        const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
        return r.body.state === state ? r.body : null;
      },
      10_000,
      `${id} ${state}`,
    );
  }

  /** Drafts, previews and applies through the API; `approve` first where the environment asks for it. */
  async function ship(body: Record<string, unknown>, approve = false) {
    const created = await call(dana, 'POST', '/api/v1/releases', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const p = await call(dana, 'POST', `/api/v1/releases/${created.body.id}/preview`);
    if (approve) {
      const s = await call(dana, 'POST', `/api/v1/releases/${created.body.id}/submit`, { previewToken: p.body.preview.token });
      await call(alice, 'POST', `/api/v1/approvals/${s.body.approval.ticketId}/decision`, { decision: 'approve', comment: 'ok' });
    }
    expect((await call(dana, 'POST', `/api/v1/releases/${created.body.id}/apply`, { previewToken: p.body.preview.token })).status).toBe(
      202,
    );
    return created.body.id as string;
  }

  async function callerOf(token: string, conversationId: string | null, channel: Caller['channel'] = 'ai'): Promise<Caller> {
    return { principal: (await srv.shipgate.access.authenticate(token)).principal, channel, conversationId };
  }

  async function proposalIn(res: ApiResponse): Promise<{ id: string; releaseId: string }> {
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const proposal = res.body.actions.find((a: { type: string }) => a.type === 'proposal');
    expect(proposal, res.body.reply).toBeDefined();
    return proposal;
  }

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    const now = srv.clock.now().getTime();
    const envs = [
      { name: 'staging', runtime: 'compose', target: { project: 'ccstg' } },
      {
        name: 'production',
        runtime: 'compose',
        target: { project: 'ccprod' },
        production: true,
        approval: { required: true, minApprovers: 1 },
      },
      {
        name: 'frozen',
        runtime: 'compose',
        target: { project: 'ccfrozen' },
        freezeWindows: [
          { start: new Date(now - HOUR).toISOString(), end: new Date(now + 30 * 24 * HOUR).toISOString(), reason: 'quarter close' },
        ],
      },
    ];
    for (const env of envs) expect((await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    dana = await srv.tokenFor('dana', 'deployer');
    alice = await srv.tokenFor('alice', 'approver');
    dave = await srv.tokenFor('dave', 'deployer');
    stella = await srv.tokenFor('stella', 'viewer', ['staging']);

    stagingBase = await ship({
      application: 'web',
      environment: 'staging',
      spec: { compose: STAGING_SPEC },
      parameters: { IMAGE_TAG: '1' },
    });
    await waitFor(stagingBase, 'succeeded');
    // Production: a release that failed (so it has diagnostics naming its service), carrying secrets and data.
    prodFailed = await ship(
      {
        application: 'web',
        environment: 'production',
        spec: { compose: PROD_SPEC },
        parameters: { IMAGE_TAG: 'fail', DB_PASSWORD: PROD_SECRET, NOTE: PROD_PARAM },
        description: PROD_DESC,
      },
      true,
    );
    await waitFor(prodFailed, 'failed');
    // …and one waiting for approval.
    const pending = await call(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'production',
      fromReleaseId: prodFailed,
      parameters: { IMAGE_TAG: '2' },
      description: `${PROD_DESC} pending`,
    });
    const pp = await call(dana, 'POST', `/api/v1/releases/${pending.body.id}/preview`);
    expect(
      (await call(dana, 'POST', `/api/v1/releases/${pending.body.id}/submit`, { previewToken: pp.body.preview.token })).body.state,
    ).toBe('pending_approval');
    prodPending = pending.body.id;
  });

  afterAll(async () => {
    await srv?.close();
  });

  describe('a release becomes the subject only after read permission holds', () => {
    const leaks = () => [prodFailed, prodPending, PROD_PARAM, PROD_DESC, PROD_SERVICE, ...SECRETS];

    it('refuses a viewer of staging everything of production, as the API does, and remembers none of it', async () => {
      const first = await say(stella, 'status of web in staging');
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const conversationId = first.body.conversationId;
      expect(first.body.release.id).toBe(stagingBase);

      const byId = problem(await call(stella, 'GET', `/api/v1/releases/${prodFailed}`));
      const byEnvironment = problem(await call(stella, 'GET', '/api/v1/environments/production'));
      expect(byId.code).toBe('FORBIDDEN');
      expect(byEnvironment.code).toBe('FORBIDDEN');
      const refused: Array<[string, ReturnType<typeof problem>]> = [
        [`status of ${prodFailed}`, byId],
        ['status of web in production', byEnvironment],
        ['how is web doing in prod?', byEnvironment],
        ['why did web fail in production', byEnvironment],
        [`why did ${prodFailed} fail?`, byId],
        [`show the timeline of ${prodFailed}`, byId],
        [`history of ${prodPending}`, byId],
        ['show the timeline of web in production', byEnvironment],
        [`preview ${prodPending}`, byId],
        [`submit ${prodPending}`, byId],
        [`apply ${prodPending}`, byId],
        [`roll back ${prodFailed}`, byId],
        ['roll back web in production', byEnvironment],
        ['deploy web to production with IMAGE_TAG=9', byEnvironment],
        ['promote web from staging to production', byEnvironment],
      ];
      for (const [text, api] of refused) {
        for (const conversation of [conversationId, undefined]) {
          const res = await say(stella, text, conversation);
          expect(problem(res), text).toEqual(api);
          expect(res.headers.get('content-type'), text).toContain('application/problem+json');
          const body = JSON.stringify(res.body);
          for (const leak of leaks()) expect(body, text).not.toContain(leak);
        }
      }

      // Follow-ups about "it" are about the staging release still, and the approvals are only staging's.
      for (const text of [
        'show the timeline',
        'what is the status of it',
        'status of that release',
        'how is it doing?',
        'why did it fail?',
      ]) {
        const res = await say(stella, text, conversationId);
        expect(res.status, `${text}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.release.id, text).toBe(stagingBase);
        const body = JSON.stringify(res.body);
        for (const leak of [...leaks(), 'production']) expect(body, text).not.toContain(leak);
      }
      for (const text of ['list approvals', 'what waits for approval?']) {
        const res = await say(stella, text, conversationId);
        expect(res.body.actions, text).toEqual([{ type: 'approvals', items: [] }]);
      }
      // Without write, "preview it" is refused naming only what the viewer may see.
      const preview = await say(stella, 'preview it', conversationId);
      expect([preview.status, preview.body.code, preview.body.detail]).toEqual([
        403,
        'FORBIDDEN',
        'deployment:write on environment "staging" is required',
      ]);

      const stored = await srv.store.conversations.get(conversationId);
      expect(stored?.state.releaseId).toBe(stagingBase);
      expect(JSON.stringify(stored?.state)).not.toContain(prodFailed);
    });

    it('keeps production out of every read-back, except the words the viewer typed', async () => {
      const mine = await call(stella, 'GET', '/api/v1/ai/conversations');
      expect(mine.body.items.length).toBeGreaterThan(10);
      for (const { id } of mine.body.items) {
        const history = await call(stella, 'GET', `/api/v1/ai/conversations/${id}`);
        expect(history.status).toBe(200);
        for (const m of history.body.messages) {
          if (m.role === 'user') continue; // the viewer's own words, as typed
          expect(m.releaseId === null || m.releaseId === stagingBase, m.text).toBe(true);
          for (const leak of leaks()) expect(JSON.stringify(m), m.text).not.toContain(leak);
        }
        for (const leak of [PROD_PARAM, PROD_DESC, PROD_SERVICE, ...SECRETS]) expect(JSON.stringify(history.body)).not.toContain(leak);
      }
    });
  });

  describe('conversation state is compare-and-set, holds no preview token, and reads the newest messages', () => {
    it('re-applies a change after a lost race instead of overwriting the other write', async () => {
      const caller = await callerOf(dana, null);
      const conversation = await srv.shipgate.conversations.start(caller, { title: 'race', state: { mine: false, theirs: false } });
      const repository = srv.store.conversations;
      const original = repository.compareAndSetState.bind(repository);
      let raced = 0;
      repository.compareAndSetState = async (id, version, state, at) => {
        if (raced++ === 0) expect(await original(id, version, { mine: false, theirs: true }, at)).toBe(true);
        return original(id, version, state, at);
      };
      try {
        const saved = await srv.shipgate.conversations.changeState(caller, conversation.id, (s) => ({ ...s, mine: true }));
        expect(saved.state).toEqual({ mine: true, theirs: true });
      } finally {
        repository.compareAndSetState = original;
      }
      expect(await repository.get(conversation.id)).toMatchObject({ state: { mine: true, theirs: true }, version: 2 });
      // A stale version never writes.
      expect(await repository.compareAndSetState(conversation.id, 1, { mine: false, theirs: false }, srv.clock.now().toISOString())).toBe(
        false,
      );
      expect((await repository.get(conversation.id))?.state).toEqual({ mine: true, theirs: true });
    });

    it('answers 409 INVALID_STATE when it keeps losing, and changes nothing', async () => {
      const start = await say(dana, 'status of web in staging');
      const conversationId = start.body.conversationId;
      const before = await srv.store.conversations.get(conversationId);
      const repository = srv.store.conversations;
      const original = repository.compareAndSetState.bind(repository);
      repository.compareAndSetState = async () => false;
      try {
        const lost = await say(dana, 'list approvals', conversationId);
        expect([lost.status, lost.body.code]).toEqual([409, 'INVALID_STATE']);
        expect(lost.headers.get('content-type')).toContain('application/problem+json');
      } finally {
        repository.compareAndSetState = original;
      }
      expect(await srv.store.conversations.get(conversationId)).toMatchObject({ state: before!.state, version: before!.version });
    });

    it('keeps every turn of concurrent messages to one conversation', async () => {
      const start = await say(dana, 'status of web in staging');
      const conversationId = start.body.conversationId;
      const before = (await srv.store.conversations.get(conversationId))!.version;
      const texts = [
        'status of web in staging',
        'list approvals',
        'show the timeline',
        'what is the status of it',
        'list approvals',
        'show the timeline',
      ];
      const replies = await Promise.all(texts.map((t) => say(dana, t, conversationId)));
      expect(replies.map((r) => r.status)).toEqual(texts.map(() => 200));
      expect((await srv.store.conversations.get(conversationId))!.version).toBe(before + texts.length);
    });

    it('confirms with a preview id bound to its maker and conversation, never a token', async () => {
      const drafted = await say(dana, 'deploy web to staging with IMAGE_TAG=5');
      expect(drafted.status, JSON.stringify(drafted.body)).toBe(200);
      const conversationId = drafted.body.conversationId;
      const id = drafted.body.release.id;
      const proposal = await proposalIn(await say(dana, 'apply it', conversationId));
      const state = (await srv.store.conversations.get(conversationId))!.state as {
        previews: Record<string, string>;
        proposals: Array<{ previewId: string }>;
      };
      const previewId = state.previews[id]!;
      expect(previewId).toBe(drafted.body.release.preview.id);
      expect(state.proposals.at(-1)!.previewId).toBe(previewId);
      expect(JSON.stringify(state)).not.toMatch(PREVIEW_TOKEN);

      // The preview id is public to every reader of the release: alone it proves nothing.
      const alien = [
        await callerOf(dave, conversationId),
        await callerOf(dana, (await say(dana, 'list approvals')).body.conversationId),
        await callerOf(dana, null, 'api'),
        await callerOf(dana, conversationId, 'api'),
      ];
      for (const caller of alien) {
        for (const attempt of [
          () => srv.shipgate.releases.apply(caller, id, { previewId }),
          () => srv.shipgate.releases.submit(caller, id, { previewId }),
        ]) {
          const error = await attempt().then(
            () => null,
            (e: unknown) => e,
          );
          expect(isShipgateError(error, 'PREVIEW_REQUIRED') && error.metadata.reason, JSON.stringify(caller)).toBe('PREVIEW_INVALID');
        }
      }
      const http = await call(dana, 'POST', `/api/v1/releases/${id}/apply`, { previewId });
      expect([http.status, http.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect((await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body).toMatchObject({
        state: 'previewed',
        preview: { consumed: false },
      });

      const ok = await confirm(dana, conversationId, proposal.id);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.reply).toMatch(/^Applying release/);
      await waitFor(id, 'succeeded');
      // Consumed: a new proposal with the same preview is refused by the apply use case.
      const again = await proposalIn(await say(dana, 'apply it', conversationId));
      const consumed = await confirm(dana, conversationId, again.id);
      expect([consumed.status, consumed.body.code, consumed.body.reason]).toEqual([428, 'PREVIEW_REQUIRED', 'PREVIEW_CONSUMED']);
    });

    it('applies every gate of the API to a confirmation: mismatch, stale, approval, policy, freeze, expiry', async () => {
      const gate = async (
        setUp: () => Promise<{ conversationId: string; releaseId?: string }>,
        tamper: (releaseId: string) => Promise<void>,
        expected: [number, string, string | undefined],
      ) => {
        const { conversationId } = await setUp();
        const proposal = await proposalIn(await say(dana, 'apply it', conversationId));
        await tamper(proposal.releaseId);
        const res = await confirm(dana, conversationId, proposal.id);
        expect([res.status, res.body.code, res.body.reason], JSON.stringify(res.body)).toEqual(expected);
        expect(res.body.conversationId).toBe(conversationId);
        // A refused confirmation leaves the proposal open and the release where it was.
        const state = (await srv.store.conversations.get(conversationId))!.state as { proposals: Array<{ id: string; status: string }> };
        expect(state.proposals.find((p) => p.id === proposal.id)?.status).toBe('proposed');
        expect(srv.driver.applyCalls).not.toContain(proposal.releaseId);
      };
      const draftIn = (environment: string, tag: string) => async () => {
        const res = await say(dana, `deploy web to ${environment} with IMAGE_TAG=${tag}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return { conversationId: res.body.conversationId };
      };
      const viaApi = (environment: string, spec: string) => async () => {
        const created = await call(dana, 'POST', '/api/v1/releases', { application: 'gate', environment, spec: { compose: spec } });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const res = await say(dana, `preview ${created.body.id}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return { conversationId: res.body.conversationId };
      };
      const nothing = async () => {};

      await gate(
        draftIn('staging', '6'),
        async (id) => {
          expect((await call(dana, 'PATCH', `/api/v1/releases/${id}`, { parameters: { IMAGE_TAG: '66' } })).status).toBe(200);
        },
        [428, 'PREVIEW_REQUIRED', 'PREVIEW_MISMATCH'],
      );
      await gate(draftIn('staging', '7'), async () => srv.driver.tamper('staging', 'web'), [428, 'PREVIEW_REQUIRED', 'PREVIEW_STALE']);
      await gate(draftIn('production', '8'), nothing, [409, 'APPROVAL_REQUIRED', undefined]);
      await gate(viaApi('staging', 'services:\n  gate:\n    image: gate:1\n    privileged: true\n'), nothing, [
        422,
        'POLICY_DENIED',
        undefined,
      ]);
      await gate(viaApi('frozen', 'services:\n  gate:\n    image: gate:1\n'), nothing, [409, 'FROZEN', undefined]);
      // Expiry last: the clock only moves forward.
      await gate(draftIn('staging', '9'), async () => srv.clock.advance(2 * 24 * HOUR), [428, 'PREVIEW_REQUIRED', 'PREVIEW_EXPIRED']);
    });

    it('scrubs the preview tokens older conversation states kept when it migrates', async () => {
      const database = testDatabase(dialect);
      const { db, close } = await openDatabase({ url: database.url, schema: database.schema });
      try {
        const token = `sgp_${'B'.repeat(43)}`;
        const untyped = db as unknown as Kysely<unknown>;
        await conversationGuard.down(untyped);
        const old = JSON.stringify({ releaseId: 'r1', previewTokens: { r1: token }, proposals: [] });
        const at = new Date().toISOString();
        const values = sql`(${'c1'}, ${'dana'}, ${'old'}, ${old}, ${at}, ${at})`;
        await sql`insert into conversations (id, subject, title, state, created_at, updated_at) values ${values}`.execute(db);
        await conversationGuard.up(untyped);
        const row = await db.selectFrom('conversations').selectAll().where('id', '=', 'c1').executeTakeFirstOrThrow();
        expect([JSON.parse(row.state), Number(row.version)]).toEqual([{ releaseId: 'r1', proposals: [] }, 0]);
      } finally {
        await close();
        await database.drop();
      }
    });

    it('drops preview tokens and token-bound proposals that an older state kept', async () => {
      const caller = await callerOf(dana, null);
      const token = `sgp_${'A'.repeat(43)}`;
      const old = await srv.shipgate.conversations.start(caller, {
        title: 'old',
        state: {
          releaseId: stagingBase,
          previewTokens: { [stagingBase]: token },
          proposals: [{ id: stagingBase, kind: 'apply', releaseId: stagingBase, status: 'proposed' }],
        },
      });
      const confirmOld = await confirm(dana, old.id, stagingBase);
      expect([confirmOld.status, confirmOld.body.code]).toEqual([404, 'NOT_FOUND']);
      const asked = await say(dana, 'apply it', old.id);
      expect(asked.body.reply).toMatch(/preview/i);
      expect(asked.body.actions).toEqual([]);
      expect(JSON.stringify((await srv.store.conversations.get(old.id))!.state)).not.toContain(token);
    });
  });

  describe('parameters in plain language are taken exactly or asked for', () => {
    const cases: Array<[string, string]> = [
      ['deploy web to staging with image tag 3', '3'],
      ['deploy web to staging with IMAGE_TAG=1.4.2', '1.4.2'],
      ['deploy web to staging with tag v2-rc.1', 'v2-rc.1'],
    ];
    it.each(cases)('%s', async (text, tag) => {
      const res = await say(dana, text);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.release).toMatchObject({ environment: 'staging', parameters: { IMAGE_TAG: tag } });
      expect(res.body.reply).toContain(`IMAGE_TAG=${tag}`);
    });

    it.each([
      'deploy web to staging with the new tag',
      'deploy web to staging, tag latest-ish please',
      'deploy web to staging with image tag 1.4 or so',
    ])('asks: %s', async (text) => {
      const before = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?environment=staging&application=web&limit=200')).body.items
        .length;
      const res = await say(dana, text);
      expect(res.status).toBe(200);
      expect(res.body.reply).toMatch(/\?|exactly/);
      expect([res.body.actions, res.body.release]).toEqual([[], null]);
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?environment=staging&application=web&limit=200')).body.items.length).toBe(
        before,
      );
    });
  });

  describe('a deploy never silently starts from another environment', () => {
    let apiStaging: string;

    beforeAll(async () => {
      apiStaging = await ship({
        application: 'api',
        environment: 'staging',
        spec: { compose: 'services:\n  api:\n    image: api:${IMAGE_TAG}\n' },
        parameters: { IMAGE_TAG: '1' },
      });
      await waitFor(apiStaging, 'succeeded');
    });

    it('says there is nothing in the target and suggests a promotion instead of copying staging', async () => {
      const count = async () => (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?application=api&limit=200')).body.items.length;
      const before = await count();
      for (const text of ['deploy api to production', 'deploy api to production with IMAGE_TAG=2', 'ship api to prod with image tag 2']) {
        const res = await say(dana, text);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.reply, text).toContain('There is no release of api in production');
        expect(res.body.reply, text).toContain('promote api from staging to production');
        expect([res.body.actions, res.body.release], text).toEqual([[], null]);
      }
      expect(await count()).toBe(before);
    });

    it('starts from the target environment, or from the source the operator names', async () => {
      const deploy = await say(dana, 'deploy web to production with IMAGE_TAG=11');
      expect(deploy.status, JSON.stringify(deploy.body)).toBe(200);
      const created = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${deploy.body.release.id}/timeline`)).body.items[0];
      const from = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${created.data.fromReleaseId}`)).body;
      expect(from.environment).toBe('production');
      expect(deploy.body.reply).toContain(`starting from release ${from.id.slice(0, 8)} in production`);

      const promote = await say(dana, 'promote api from staging to production');
      expect(promote.status, JSON.stringify(promote.body)).toBe(200);
      const promoted = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${promote.body.release.id}/timeline`)).body.items[0];
      expect(promoted.data.fromReleaseId).toBe(apiStaging);
      expect(promote.body.release.environment).toBe('production');
      // The command center promotes as the API does: provenance kept and images pinned to what ran in staging.
      const release = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${promote.body.release.id}`)).body;
      expect(release).toMatchObject({ promotedFrom: apiStaging, provenance: { environment: 'staging', releaseId: apiStaging } });
      expect(release.provenance.images.length).toBeGreaterThan(0);
      expect(promote.body.reply).toContain('images pinned to what ran there');
    });
  });

  describe('secrets never cross the command center', () => {
    it("stores and echoes the operator's own secrets masked", async () => {
      const text =
        `deploy web to staging with IMAGE_TAG=12 DB_PASSWORD=${OPERATOR_SECRET} and ` +
        `DSN=postgres://app:${OPERATOR_URL_PASSWORD}@db/app`;
      const res = await say(dana, text);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.reply).toContain('DB_PASSWORD=********');
      expect(res.body.reply).toContain('postgres://app:********@db/app');
      const raw = await srv.store.releases.get(res.body.release.id);
      expect(raw?.parameters).toMatchObject({ DB_PASSWORD: OPERATOR_SECRET, DSN: `postgres://app:${OPERATOR_URL_PASSWORD}@db/app` });
      const history = await call(dana, 'GET', `/api/v1/ai/conversations/${res.body.conversationId}`);
      expect(history.body.messages[0].text).toBe(
        'deploy web to staging with IMAGE_TAG=12 DB_PASSWORD=******** and DSN=postgres://app:********@db/app',
      );
      const listed = await call(dana, 'GET', '/api/v1/ai/conversations');
      expect(listed.body.items.find((c: { id: string }) => c.id === res.body.conversationId).title).not.toContain(OPERATOR_SECRET);
      // Refused or not, a message's secrets stay masked.
      for (const refused of [
        `deploy web to staging with password ${OPERATOR_SECRET}`,
        `deploy web to staging, the db token is "${OPERATOR_SECRET}"`,
        `deploy web to nowhere-env with DB_PASSWORD=${OPERATOR_SECRET}`,
        `deploy web to qa with API_TOKEN=${OPERATOR_SECRET}`,
        `deploy web with SECRET_KEY=${OPERATOR_SECRET} to staging with the new tag`,
      ]) {
        const r = await say(dana, refused);
        expect(JSON.stringify(r.body), refused).not.toContain(OPERATOR_SECRET);
      }
    });

    it("never shows a release's secret values in replies or cards", async () => {
      const c = (await say(dana, 'status of web in production')).body.conversationId;
      for (const text of [
        `status of ${prodFailed}`,
        `why did ${prodFailed} fail?`,
        `show the timeline of ${prodFailed}`,
        'list approvals',
        `preview ${prodPending}`,
        `roll back ${prodFailed}`,
      ]) {
        const res = await say(dana, text, c);
        expect([200, 404, 409], `${text}: ${JSON.stringify(res.body)}`).toContain(res.status);
      }
      const explain = await say(dana, `why did ${prodFailed} fail?`, c);
      expect(explain.body.reply).toContain(PROD_SERVICE);
    });
  });

  describe('the model path', () => {
    let llm: FakeOpenAi;
    let model: TestServer;
    let token: { dana: string; stella: string };
    let modelPending: string;

    beforeAll(async () => {
      llm = new FakeOpenAi();
      await llm.start();
      model = await startTestServer({
        dialect,
        interpreter: new LlmInterpreter({ baseURL: llm.url, model: 'scripted', apiKey: 'test', logger: createLogger({ level: 'silent' }) }),
      });
      await model.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'mstg' } });
      await model.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
        name: 'production',
        runtime: 'compose',
        target: { project: 'mprod' },
        approval: { required: true, minApprovers: 1 },
      });
      token = { dana: await model.tokenFor('dana', 'deployer'), stella: await model.tokenFor('stella', 'viewer', ['staging']) };
      const base = await model.api(token.dana, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'staging',
        spec: { compose: STAGING_SPEC },
        parameters: { IMAGE_TAG: '1' },
      });
      const p = await model.api(token.dana, 'POST', `/api/v1/releases/${base.body.id}/preview`);
      await model.api(token.dana, 'POST', `/api/v1/releases/${base.body.id}/apply`, { previewToken: p.body.preview.token });
      const prod = await model.api(token.dana, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'production',
        spec: { compose: PROD_SPEC },
        parameters: { IMAGE_TAG: '1', DB_PASSWORD: PROD_SECRET, NOTE: PROD_PARAM },
        description: PROD_DESC,
      });
      const pp = await model.api(token.dana, 'POST', `/api/v1/releases/${prod.body.id}/preview`);
      await model.api(token.dana, 'POST', `/api/v1/releases/${prod.body.id}/submit`, { previewToken: pp.body.preview.token });
      modelPending = prod.body.id;
    });

    afterAll(async () => {
      await model?.close();
      await llm?.stop();
    });

    const ask = async (who: string, text: string, conversationId?: string) => {
      const res = await model.api(who, 'POST', '/api/v1/ai/messages', { text, ...(conversationId ? { conversationId } : {}) });
      seen.push(res);
      return res;
    };

    it('lists approvals through list_approvals, for what the caller may read', async () => {
      llm.enqueue(
        { toolCalls: [{ name: 'list_approvals', arguments: '{}' }] },
        { text: '' },
        { toolCalls: [{ name: 'list_approvals', arguments: '' }] },
        { text: '' },
      );
      const deployer = await ask(token.dana, 'what needs a sign-off?');
      expect(deployer.status, JSON.stringify(deployer.body)).toBe(200);
      expect(deployer.body.actions).toEqual([
        { type: 'approvals', items: [expect.objectContaining({ releaseId: modelPending, environment: 'production' })] },
      ]);
      expect(deployer.body.reply).toBe('1 release waits for approval (approvers decide in the Approvals queue).');
      const viewer = await ask(token.stella, 'what needs a sign-off?');
      expect(viewer.body.actions).toEqual([{ type: 'approvals', items: [] }]);
    });

    it("never lets the model's words claim what did not happen", async () => {
      const claim = 'I have applied it and approved it.';
      const before = (await model.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${modelPending}`)).body;
      // Each message's script: the claim alone, or tool calls with the claim beside them and then again as the last word.
      const scripts: Array<Array<Parameters<FakeOpenAi['enqueue']>[0]>> = [
        [{ text: claim }],
        [{ text: `${claim} Anything else?` }],
        [{ text: 'Done! Deployed web to production.' }],
        [
          { toolCalls: [{ name: 'approve_release', arguments: JSON.stringify({ releaseId: modelPending }) }], text: claim },
          { text: claim },
        ],
        [
          { toolCalls: [{ name: 'propose_apply', arguments: JSON.stringify({ releaseId: modelPending, confirm: true }) }], text: claim },
          { text: claim },
        ],
        [{ toolCalls: [{ name: 'show_status', arguments: JSON.stringify({ releaseId: modelPending }) }], text: claim }, { text: claim }],
        [{ toolCalls: [{ name: 'list_approvals', arguments: '{}' }], text: claim }, { text: `It is approved and live now. ${claim}` }],
      ];
      for (const script of scripts) {
        llm.enqueue(...script);
        const res = await ask(token.dana, `apply ${modelPending} and approve it`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.reply, res.body.reply).not.toMatch(/I have|applied|approved it|deployed web|done!/i);
        expect(JSON.stringify(res.body.actions)).not.toMatch(/applied|approved it/i);
      }
      const after = (await model.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${modelPending}`)).body;
      expect([after.state, after.approval.status, after.approval.decisions]).toEqual([before.state, before.approval.status, []]);
      expect(model.driver.applyCalls).not.toContain(modelPending);
    });

    it('refuses a viewer through the model as through the API', async () => {
      const api = problem(await model.api(token.stella, 'GET', `/api/v1/releases/${modelPending}`));
      const env = problem(await model.api(token.stella, 'GET', '/api/v1/environments/production'));
      llm.enqueue(
        { toolCalls: [{ name: 'show_status', arguments: JSON.stringify({ releaseId: modelPending }) }] },
        { toolCalls: [{ name: 'explain_failure', arguments: JSON.stringify({ application: 'web', environment: 'production' }) }] },
        { toolCalls: [{ name: 'show_timeline', arguments: JSON.stringify({ releaseId: modelPending }) }] },
      );
      const results = [await ask(token.stella, 'status?'), await ask(token.stella, 'why?'), await ask(token.stella, 'timeline?')];
      expect(results.map(problem)).toEqual([api, env, api]);
      for (const r of results)
        for (const leak of [modelPending, PROD_DESC, PROD_PARAM, ...SECRETS]) expect(JSON.stringify(r.body)).not.toContain(leak);
    });

    it('never shows the model a secret, and passes placeholders back as the real values', async () => {
      llm.enqueue(
        {
          toolCalls: [
            {
              name: 'draft_release',
              arguments: JSON.stringify({
                application: 'web',
                environment: 'staging',
                parameters: { IMAGE_TAG: '3', DB_PASSWORD: '[[secret-1]]' },
              }),
            },
          ],
        },
        { text: '' },
        { text: `Which one, ${OPERATOR_SECRET}?` },
      );
      const res = await ask(token.dana, `deploy web to staging with image tag 3 and DB_PASSWORD=${OPERATOR_SECRET}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await model.store.releases.get(res.body.release.id))?.parameters).toMatchObject({
        IMAGE_TAG: '3',
        DB_PASSWORD: OPERATOR_SECRET,
      });
      // A model that somehow echoes a secret in its question is masked too.
      const echoed = await ask(token.dana, `which tag for DSN=postgres://u:${OPERATOR_SECRET}@db`, res.body.conversationId);
      expect(echoed.body.reply).toContain('Note from the language model');
      expect(echoed.body.reply).not.toContain(OPERATOR_SECRET);
      expect(JSON.stringify(llm.requests)).not.toContain(OPERATOR_SECRET);
      // A short secret too: sealed where it is a secret-named value, and passed back as given.
      llm.enqueue(
        {
          toolCalls: [
            {
              name: 'draft_release',
              arguments: JSON.stringify({
                application: 'web',
                environment: 'staging',
                parameters: { IMAGE_TAG: '4', DB_PASSWORD: '[[secret-1]]' },
              }),
            },
          ],
        },
        { text: '' },
      );
      const short = await ask(token.dana, 'deploy web to staging with image tag 4 and DB_PASSWORD=q7Z');
      expect(short.status, JSON.stringify(short.body)).toBe(200);
      expect((await model.store.releases.get(short.body.release.id))?.parameters).toMatchObject({ IMAGE_TAG: '4', DB_PASSWORD: 'q7Z' });
      expect(JSON.stringify(llm.requests)).not.toContain('q7Z');
    });

    it('sends the model the newest messages of a long conversation', async () => {
      let conversationId: string | undefined;
      for (let i = 1; i <= 12; i++) {
        llm.enqueue({ text: 'Which environment?' });
        conversationId = (await ask(token.dana, `message number ${i}`, conversationId)).body.conversationId;
      }
      const history = llm.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'user')
        .map((m) => m.content);
      // The six newest earlier messages of the operator, then this one.
      expect(history).toEqual([6, 7, 8, 9, 10, 11, 12].map((i) => `message number ${i}`));
    });

    it('writes no secret to its log', () => {
      for (const line of model.logs) for (const secret of SECRETS) expect(line).not.toContain(secret);
    });
  });

  it('leaks no secret canary and no preview token anywhere: responses, stored conversations, logs', async () => {
    for (const res of seen) {
      const body = JSON.stringify(res.body);
      for (const secret of SECRETS) expect(body).not.toContain(secret);
    }
    for (const res of seen.filter((r) => r.body?.conversationId)) expect(JSON.stringify(res.body)).not.toMatch(PREVIEW_TOKEN);
    for (const id of conversationIds) {
      const stored = await srv.store.conversations.get(id);
      const messages = await srv.store.conversations.messages(id, 1000);
      const text = JSON.stringify({ stored, messages });
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(PREVIEW_TOKEN);
    }
    expect(conversationIds.size).toBeGreaterThan(20);
    for (const line of srv.logs) for (const secret of SECRETS) expect(line, line).not.toContain(secret);
  });
});
