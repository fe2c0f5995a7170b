import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

// First run on both stores: environment "local" appears only on an empty store whose Docker engine answers, once, and
// GET /runtimes tells the web UI whether the engine answers.
describe.each(DIALECTS)('the first run (%s)', (dialect) => {
  let srv: TestServer;
  afterEach(async () => {
    await srv?.close();
  });

  it('creates "local" once on an empty store when the engine answers, and says whether it answers', async () => {
    srv = await startTestServer({ dialect });
    srv.driver.unavailable = true;
    expect(await srv.shipgate.environments.firstRun()).toBeNull();
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/runtimes')).body).toEqual({ items: [{ runtime: 'compose', reachable: false }] });
    srv.driver.unavailable = false;
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/runtimes')).body).toEqual({ items: [{ runtime: 'compose', reachable: true }] });
    const made = await srv.shipgate.environments.firstRun();
    expect(made).toMatchObject({ name: 'local', runtime: 'compose', target: { project: 'local' }, policy: { profile: 'baseline' } });
    expect(made?.approval.required).toBe(false);
    expect(await srv.shipgate.environments.firstRun()).toBeNull();
    const envs = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments')).body.items;
    expect(envs.map((e: { name: string }) => e.name)).toEqual(['local']);
    expect((await srv.api(null, 'GET', '/api/v1/runtimes')).status).toBe(401);
  });

  it('leaves a store that already has environments alone', async () => {
    srv = await startTestServer({ dialect });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'stg' } });
    expect(await srv.shipgate.environments.firstRun()).toBeNull();
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments')).body.items).toHaveLength(1);
  });
});
