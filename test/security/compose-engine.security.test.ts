import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { DIALECTS } from '../support/dialects.js';

// The Compose runtime's side of governance, against a real Docker engine: nothing is interpolated from the server's
// environment, the baseline judges Compose's own normalized model, containers of another environment are never
// touched, and scratch directories do not outlive their command.

describe.each(DIALECTS)('the Compose runtime cannot be turned against the host (%s)', (dialect) => {
  let srv: TestServer;
  const scratch = mkdtempSync(join(tmpdir(), 'shipgate-scratch-test-'));
  const scratchRoot = join(scratch, 'root');
  const prefix = `sec${dialect === 'sqlite' ? 'l' : 'p'}`;
  const projects = new Set<string>();

  async function draft(environment: string, application: string, compose: string) {
    projects.add(`${prefix}${environment === 'moved' ? 'm' : ''}-${application}`);
    const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application, environment, spec: { compose } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async function preview(id: string) {
    return srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
  }

  beforeAll(async () => {
    await ensureTestImages();
    srv = await startTestServer({
      dialect,
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never', scratchRoot }) },
    });
    expect(
      (
        await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
          name: 'dev',
          runtime: 'compose',
          target: { project: prefix },
          applyTimeoutSeconds: 20,
        })
      ).status,
    ).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    for (const project of projects) await removeProject(project).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('passes every $ literally: the server environment never reaches a container', async () => {
    const compose = `services:
  web:
    image: shipgate-test/app:1
    init: true
    stop_grace_period: 1s
    environment:
      A: $HOME
      B: $\${DOCKER_HOST}
      C: "$$literal"
      D: $\${PATH:-fallback}
`;
    // A reference to anything but a parameter is refused when drafted…
    for (const reference of ['\${DOCKER_HOST}', '\${PATH:-fallback}', '\${HOME?err}', '\${SHIPGATE_ADMIN_TOKEN}']) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
        application: 'interp',
        environment: 'dev',
        spec: { compose: `services:\n  web:\n    image: x\n    environment:\n      A: "${reference}"\n` },
      });
      expect([res.status, res.body.code], reference).toEqual([400, 'VALIDATION_FAILED']);
    }
    // …and what is left, escaped or bare, reaches the container exactly as written.
    const id = await draft('dev', 'interp', compose);
    const p = await preview(id);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const diff = p.body.preview.changes[0].diff as string;
    expect(diff).toContain('A: $HOME');
    expect(diff).toContain('B: ${DOCKER_HOST}');
    expect(diff).not.toContain(TEST_DOCKER_HOST);
    expect(diff).not.toContain(process.env['HOME'] ?? '/root');
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token })).status).toBe(202);
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 60_000);
    expect(done.state, JSON.stringify(done.execution)).toBe('succeeded');
    const env = await docker(['inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', `${prefix}-interp-web-1`]);
    expect(env.split('\n')).toEqual(expect.arrayContaining(['A=$HOME', 'B=${DOCKER_HOST}', 'C=$literal', 'D=${PATH:-fallback}']));
  });

  it('judges the model Compose normalized: every host escape is a violation, and nothing runs', async () => {
    const compose = `services:
  web:
    image: shipgate-test/app:1
    privileged: true
    network_mode: host
    pid: host
    cap_add: [SYS_ADMIN, cap_net_raw]
    devices: ["/dev/null:/dev/x"]
    security_opt: ["seccomp:unconfined", "apparmor=unconfined"]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - type: bind
        source: /etc
        target: /host-etc
      - hostroot:/host
volumes:
  hostroot:
    driver: local
    driver_opts: {type: none, o: bind, device: /}
`;
    const id = await draft('dev', 'escape', compose);
    const p = await preview(id);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const rules = new Set(p.body.preview.policy.violations.map((v: { ruleId: string }) => v.ruleId));
    for (const rule of [
      'privileged',
      'host-namespaces',
      'added-capabilities',
      'devices',
      'unconfined-profiles',
      'engine-socket',
      'host-path',
    ])
      expect(rules, rule).toContain(rule);
    const volume = p.body.preview.policy.violations.find((v: { resource: { kind: string } }) => v.resource.kind === 'Volume');
    expect(volume).toMatchObject({ ruleId: 'engine-socket', resource: { name: 'hostroot' }, path: '/driver_opts/device' });
    const apply = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token });
    expect([apply.status, apply.body.code]).toEqual([422, 'POLICY_DENIED']);
    expect(await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${prefix}-escape`])).toBe('');
  });

  it('never previews or changes containers that Shipgate labelled for another environment', async () => {
    const compose = 'services:\n  web:\n    image: shipgate-test/app:1\n    init: true\n    stop_grace_period: 1s\n';
    const first = await draft('dev', 'owned', compose);
    const p = await preview(first);
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${first}/apply`, { previewToken: p.body.preview.token });
    await eventually(
      async () => ((await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${first}`)).body.state === 'succeeded' ? true : null),
      60_000,
    );
    // dev moves away; another environment takes the freed project name and reaches dev's running containers.
    expect((await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/dev', { target: { project: `${prefix}m` } })).status).toBe(200);
    expect(
      (await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'other', runtime: 'compose', target: { project: prefix } }))
        .status,
    ).toBe(201);
    const before = await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${prefix}-owned`]);
    const sneaky = await draft('other', 'owned', 'services:\n  web:\n    image: shipgate-test/app:2\n');
    const res = await preview(sneaky);
    expect([res.status, res.body.code]).toEqual([409, 'TARGET_IN_USE']);
    expect(res.body.detail).not.toContain('dev');
    expect(await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${prefix}-owned`])).toBe(before);
    await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/other', { target: { project: `${prefix}o` } });
    await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/dev', { target: { project: prefix } });
  });

  it('leaves no scratch directory behind, and sweeps what a dead process left', () => {
    expect(readdirSync(scratchRoot)).toEqual([]);
    mkdirSync(join(scratchRoot, '999999999-dead'));
    mkdirSync(join(scratchRoot, `${process.pid}-alive`));
    mkdirSync(join(scratchRoot, 'stray'));
    ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, scratchRoot });
    expect(readdirSync(scratchRoot)).toEqual([`${process.pid}-alive`]);
    rmSync(join(scratchRoot, `${process.pid}-alive`), { recursive: true });
  });
});
