import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { KubernetesDriver } from '../../src/adapters/runtimes/kubernetes/kubernetes-driver.js';
import { composeDocument } from '../../src/core/compose/compose-spec.js';
import { isShipgateError } from '../../src/core/errors.js';
import { renderSpec } from '../../src/core/release/spec-render.js';
import { baselineRules } from '../../src/core/policy/baseline-rules.js';
import { evaluatePolicy, hostPathAllowed, type EnvironmentPolicy, type PolicyResource } from '../../src/core/policy/policy.js';
import { MASK, redactText, secretValuesOf } from '../../src/core/secrets/secret-masking.js';
import { TEST_DOCKER_HOST, docker, dockerConfigured, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// Review probes: inputs nobody listed, tried as a deployer or a viewer would. Each test asserts the safe behaviour.
// Each `FINDING:` comment names a hole these probes found; every one of them is closed now.

const baseline: EnvironmentPolicy = { profile: 'baseline', allowHostPaths: ['/srv/data'], rules: [] };
const denied = (runtime: 'compose' | 'kubernetes', resources: PolicyResource[], policy = baseline) =>
  evaluatePolicy(policy, baselineRules(runtime), resources).violations.filter((v) => v.severity === 'deny');
const volume = (spec: Record<string, unknown>): PolicyResource => ({
  kind: 'Volume',
  name: 'data',
  spec: { name: 'proj-web_data', ...spec },
});
const network = (spec: Record<string, unknown>): PolicyResource => ({
  kind: 'Network',
  name: 'net',
  spec: { name: 'proj-web_net', ...spec },
});
const service = (spec: Record<string, unknown>): PolicyResource => ({ kind: 'Service', name: 'web', spec: { image: 'app:1', ...spec } });

function refusedAtDraft(text: string): boolean {
  try {
    composeDocument(text);
    return false;
  } catch (error) {
    if (!isShipgateError(error, 'VALIDATION_FAILED')) throw error;
    return true;
  }
}

describe('Compose named volumes: the local driver mounts host paths however its options spell them', () => {
  // The local driver hands `device` to mount(2): a relative path is resolved against dockerd's working directory
  // (`/` under systemd), so `../../../../etc` is the host's /etc; an overlay takes its host paths in `o`.
  it.each([
    ['a relative bind device', { driver_opts: { type: 'none', o: 'bind', device: '../../../../../../etc' } }],
    ['a relative rbind device without a driver', { driver_opts: { type: 'none', o: 'rbind', device: 'etc' } }],
    ['a bind among other options', { driver: 'local', driver_opts: { type: 'none', o: 'ro,bind', device: '../../../../..' } }],
    ['overlay lower dirs', { driver_opts: { type: 'overlay', device: 'overlay', o: 'lowerdir=/etc:/root' } }],
    [
      'overlay upper/work dirs',
      { driver_opts: { type: 'overlay', device: 'overlay', o: 'lowerdir=/srv/data/a,upperdir=/var/lib,workdir=/var/tmp' } },
    ],
    ['a relative block device', { driver_opts: { type: 'ext4', device: '../../../../dev/sda1' } }],
    ['a loop-mounted file', { driver_opts: { type: 'ext4', o: 'loop', device: '/var/lib/shipgate/disk.img' } }],
    ['a host mount moved into the volume', { driver_opts: { type: 'none', o: 'move', device: '../../../../proc' } }],
    ['a bind spelled in a tmpfs volume', { driver_opts: { type: 'tmpfs', o: 'bind', device: '/etc' } }],
  ])('refuses %s', (_what, spec) => {
    expect(denied('compose', [volume(spec)]).map((v) => v.ruleId)).toContain('host-path');
  });

  it('still lets through tmpfs, NFS and a bind device under allowHostPaths', () => {
    for (const spec of [
      { driver_opts: { type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' } },
      { driver_opts: { type: 'nfs', o: 'addr=10.0.0.1,rw', device: ':/exports/web' } },
      { driver_opts: { type: 'none', o: 'bind', device: '/srv/data' } },
      {},
    ]) {
      expect(denied('compose', [volume(spec)]), JSON.stringify(spec)).toEqual([]);
    }
  });

  it('treats any long-syntax bind source as a host path (a Windows-looking or bare source is no escape hatch)', () => {
    for (const source of ['C:\\x', 'etc', '\\\\.\\pipe\\docker_engine']) {
      expect(
        denied('compose', [service({ volumes: [{ type: 'bind', source, target: '/x' }] })]).map((v) => v.ruleId),
        source,
      ).toContain('host-path');
    }
  });
});

describe('Compose: nothing of another project (another environment) is reachable', () => {
  it('refuses external volumes and networks, and network_mode naming a network', () => {
    expect(denied('compose', [volume({ external: true, name: 'prod-web_data' })]).length).toBeGreaterThan(0);
    expect(denied('compose', [network({ external: true, name: 'prod-web_default' })]).length).toBeGreaterThan(0);
    expect(denied('compose', [service({ network_mode: 'prod-web_default' })]).length).toBeGreaterThan(0);
    // What stays in the project passes.
    for (const mode of ['none', 'bridge', 'service:db']) expect(denied('compose', [service({ network_mode: mode })]), mode).toEqual([]);
  });

  it('refuses a fixed name for a volume or network (Compose reuses any existing volume of that name)', () => {
    expect(refusedAtDraft('services:\n  web: {image: app:1}\nvolumes:\n  x:\n    name: prod-web_data\n')).toBe(true);
    expect(refusedAtDraft('services:\n  web: {image: app:1}\nnetworks:\n  x:\n    name: prod-web_default\n')).toBe(true);
    // A name through a merge key is the same name.
    expect(refusedAtDraft('x-v: &v {name: prod-web_data}\nservices:\n  web: {image: app:1}\nvolumes:\n  x:\n    <<: *v\n')).toBe(true);
  });
});

describe('Compose allowlist: YAML spellings that must not hide a key (regressions)', () => {
  it.each([
    [
      'a YAML 1.1 document with a !!binary environment and an env_file through a merge',
      '%YAML 1.1\n---\nx-a: &a {env_file: /etc/passwd}\nservices:\n  web:\n    <<: *a\n    image: app:1\n    environment: !!binary aGk=\n',
    ],
    ['an explicitly tagged key', 'services:\n  web:\n    image: app:1\n    !!str env_file: /etc/passwd\n'],
    ['a custom-tagged key', 'services:\n  web:\n    image: app:1\n    !x env_file: /etc/passwd\n'],
    ['a complex key', 'services:\n  web:\n    image: app:1\n    ? env_file\n    : /etc/passwd\n'],
    ['a key that differs by case', 'services:\n  web:\n    image: app:1\n    Env_File: /etc/passwd\n'],
    ['a key with a look-alike letter', 'services:\n  web:\n    image: app:1\n    privil\u0435ged: true\n'],
    ['a __proto__ key', 'services:\n  web:\n    image: app:1\n    __proto__: {env_file: /etc/passwd}\n'],
    ['include through a top-level merge', 'x-i: &i {include: [/etc/compose.yaml]}\n<<: *i\nservices:\n  web: {image: app:1}\n'],
    ['a duplicate key in another quoting style', 'services:\n  web:\n    image: app:1\n    privileged: false\n    "privileged": true\n'],
    ['a constructor key', 'services:\n  web:\n    image: app:1\n    constructor: x\n'],
  ])('refuses %s', (_what, text) => {
    expect(refusedAtDraft(text)).toBe(true);
  });
});

describe('parameters are rendered before the allowlist judges (regressions)', () => {
  it.each([
    ['a value that adds a key on the next line', 'services:\n  web:\n    image: app:${TAG}\n', { TAG: '1\n    env_file: /etc/passwd' }],
    ['a value that breaks out of a flow map', 'services:\n  web: {image: "app:${TAG}"}\n', { TAG: '1", env_file: "/etc/passwd' }],
    ['a parameter as a key', 'services:\n  web:\n    image: app:1\n    ${K}: /etc/passwd\n', { K: 'env_file' }],
    ['a parameter that opens a top-level include', '${TOP}services:\n  web: {image: app:1}\n', { TOP: 'include: [/etc/compose.yaml]\n' }],
  ])('refuses %s', (_what, text, parameters) => {
    expect(refusedAtDraft(renderSpec({ compose: text }, parameters))).toBe(true);
  });
});

describe('host paths: spellings of a path outside allowHostPaths (regressions)', () => {
  it.each([
    '//etc',
    '/srv/data/./../../etc',
    '/srv/data/..',
    '/srv/dat\u0430',
    '/srv/data\u0000/../../etc',
    '/srv//data/../../etc',
    'srv/data',
    '/srv/data/../data2',
  ])('refuses %j', (path) => {
    expect(hostPathAllowed(path, ['/srv/data'])).toBe(false);
  });
});

// ---- Kubernetes: pod specs (and container security contexts) wherever a controller would find them ----

const deployment = (pod: Record<string, unknown>): PolicyResource => ({
  kind: 'Deployment',
  name: 'web',
  spec: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }], ...pod } } },
  },
});

describe('Kubernetes baseline: settings the Pod Security baseline refuses, and shapes the walker must not miss', () => {
  it.each([
    ['an unsafe pod sysctl', { securityContext: { sysctls: [{ name: 'kernel.core_pattern', value: '|/tmp/x' }] } }, 'unconfined-profiles'],
    [
      'an unsafe sysctl among safe ones',
      {
        securityContext: {
          sysctls: [
            { name: 'net.ipv4.tcp_syncookies', value: '1' },
            { name: 'kernel.modprobe', value: '/tmp/x' },
          ],
        },
      },
      'unconfined-profiles',
    ],
    ['SELinux type spc_t on the pod', { securityContext: { seLinuxOptions: { type: 'spc_t' } } }, 'unconfined-profiles'],
    [
      'an SELinux user on a container',
      { containers: [{ name: 'a', image: 'x', securityContext: { seLinuxOptions: { user: 'system_u' } } }] },
      'unconfined-profiles',
    ],
    ['a pod-level Windows host process', { securityContext: { windowsOptions: { hostProcess: true } } }, 'host-namespaces'],
  ])('refuses %s', (_what, pod, ruleId) => {
    expect(denied('kubernetes', [deployment(pod)]).map((v) => v.ruleId)).toContain(ruleId);
  });

  it('lets the safe SELinux types and sysctls through', () => {
    const ok = deployment({
      securityContext: {
        seLinuxOptions: { type: 'container_t', level: 's0:c1,c2' },
        sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
      },
    });
    expect(denied('kubernetes', [ok])).toEqual([]);
  });

  it('finds a pod spec nested deeper than the walker looks (or refuses what it cannot judge)', () => {
    let nested: Record<string, unknown> = { containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }] };
    for (let i = 0; i < 40; i++) nested = { level: nested };
    const custom: PolicyResource = {
      kind: 'Workflow',
      name: 'w',
      spec: { apiVersion: 'example.com/v1', kind: 'Workflow', metadata: { name: 'w' }, spec: nested },
    };
    expect(denied('kubernetes', [custom]).length).toBeGreaterThan(0);
  });

  it.each([
    [
      'a pod spec with only initContainers',
      { spec: { initContainers: [{ name: 'i', image: 'x', securityContext: { privileged: true } }] } },
    ],
    [
      'a singular container (Argo Workflows template)',
      { spec: { templates: [{ name: 't', container: { image: 'x', securityContext: { privileged: true } } }] } },
    ],
    ['Tekton steps', { spec: { steps: [{ name: 's', image: 'x', securityContext: { privileged: true } }] } }],
    ['a step template', { spec: { stepTemplate: { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }, steps: [] } }],
    ['containers as a map keyed by name', { spec: { containers: { a: { image: 'x', securityContext: { privileged: true } } } } }],
    ['a hostPath volume outside a containers list', { spec: { podTemplate: { volumes: [{ name: 'h', hostPath: { path: '/' } }] } } }],
    ['hostNetwork on a pod-like spec without containers', { spec: { runner: { hostNetwork: true, image: 'x' } } }],
  ])('refuses %s in a custom resource', (_what, body) => {
    const custom: PolicyResource = {
      kind: 'Thing',
      name: 't',
      spec: { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, ...body },
    };
    expect(denied('kubernetes', [custom]).length).toBeGreaterThan(0);
  });
});

// ---- Secrets: values a spec carries under names and shapes the masking did not list ----

describe('secret masking finds secrets in the shapes specs use', () => {
  it.each([
    [
      'a Kubernetes container env literal',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n ' +
        '         image: x\n          env:\n            - name: DB_PASSWORD\n              value: k8s-env-canary-1\n',
      'k8s-env-canary-1',
    ],
    [
      'a ConfigMap key that looks secret',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  API_TOKEN: cm-canary-2\n',
      'cm-canary-2',
    ],
    [
      'a password in a URL query string',
      'services:\n  web:\n    image: x\n    environment:\n      DATABASE_URL: ' +
        '"postgres://db/app?sslmode=disable&password=query-canary-3"\n',
      'query-canary-3',
    ],
    [
      'an access token in a URL query string',
      'services:\n  web:\n    image: x\n    command: ["curl", "https://api.example.com/v1?access_token=query-canary-4&x=1"]\n',
      'query-canary-4',
    ],
    [
      'a --password= flag in a command',
      'services:\n  web:\n    image: x\n    command: ["server", "--db-password=flag-canary-5"]\n',
      'flag-canary-5',
    ],
    [
      'an assignment in a shell command',
      'services:\n  web:\n    image: x\n    command: ["sh", "-c", "PGPASSWORD=sh-canary-6 psql -h db"]\n',
      'sh-canary-6',
    ],
    [
      'a secret-looking Compose label',
      'services:\n  web:\n    image: x\n    labels:\n      backup.api-key: label-canary-7\n',
      'label-canary-7',
    ],
    [
      'a Kubernetes args flag',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: x\n      args: ' +
        '["--api-token=args-canary-8"]\n',
      'args-canary-8',
    ],
  ])('finds %s', (_what, spec, canary) => {
    const secrets = secretValuesOf(spec, {});
    expect(secrets).toContain(canary);
    expect(redactText(`diff: ${spec}`, secrets)).not.toContain(canary);
  });

  it("masks a Secret's value copied into a ConfigMap under an innocent key (regression)", () => {
    const manifests =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {pw: copied-canary-10}\n---\napiVersion: v1\nkind: ' +
      'ConfigMap\nmetadata: {name: c}\ndata: {note: "x copied-canary-10 y"}\n';
    expect(redactText('data:\n  note: x copied-canary-10 y\n', secretValuesOf(manifests, {}))).not.toContain('copied-canary-10');
  });

  it('masks a URL query secret even when no list names it (as it masks URL passwords)', () => {
    const shown = redactText('GET https://hooks.example.com/x?token=unlisted-canary-9&a=1', []);
    expect(shown).not.toContain('unlisted-canary-9');
    expect(shown).toContain(`token=${MASK}`);
  });

  it('does not mask what merely sits beside a secret-looking word', () => {
    const spec =
      'services:\n  web:\n    image: x\n    command: ["--auth-mode=none", "--key-file=/run/k"]\n    environment:\n      ' +
      'TOKEN_TTL_SECONDS: "3600"\n';
    const secrets = secretValuesOf(spec, {});
    expect(secrets).not.toContain('none');
  });
});

// ---- Through the API, with the scripted runtime ----

describe('through the API (scripted runtime)', () => {
  let srv: TestServer;
  let vic: string; // viewer of staging only
  let stan: string; // deployer of staging, viewer of production
  const compose = (extra = '') => `services:\n  web:\n    image: web:1\n${extra}`;

  beforeAll(async () => {
    srv = await startTestServer({ dialect: 'sqlite' });
    for (const env of [
      { name: 'staging', runtime: 'compose', target: { project: 'rvstg' } },
      {
        name: 'production',
        runtime: 'compose',
        target: { project: 'rvprod' },
        production: true,
        approval: { required: true, minApprovers: 1 },
      },
    ]) {
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    }
    vic = await srv.tokenFor('vic', 'viewer', ['staging']);
    const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
      subject: 'stan',
      bindings: [
        { role: 'deployer', environments: ['staging'] },
        { role: 'viewer', environments: ['production'] },
      ],
    });
    stan = res.body.token as string;
  });

  afterAll(async () => {
    await srv?.close();
  });

  it('lists no environment, release or approval of production to a viewer of staging only', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'listed',
      environment: 'production',
      spec: { compose: compose() },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(
      (await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/submit`, { previewToken: p.body.preview.token })).status,
    ).toBe(200);
    for (const path of [
      '/api/v1/environments',
      '/api/v1/releases',
      '/api/v1/releases?environment=production',
      '/api/v1/approvals',
      '/api/v1/approvals?status=pending',
    ]) {
      const res = await srv.api(vic, 'GET', path);
      expect([200, 403], path).toContain(res.status);
      const text = JSON.stringify(res.body);
      // (`"production": false` is a field of every environment; the environment's name is the value `"production"`.)
      for (const leak of [':"production"', 'rvprod', rel.body.id, 'listed']) expect(text, path).not.toContain(leak);
    }
  });

  // FINDING: a caller without read gets 404 NOT_FOUND for a release id that does not exist and 403 FORBIDDEN for one
  // that does (in an environment it may not read): an existence oracle for release (and approval) ids. The ids are
  // UUIDv7, so guessing is hard, but ids travel (fromReleaseId, rollbackOf, links). Fix in src/app (load before
  // permission): answer both with the same 403. Severity: low.
  it('answers the same for a release that does not exist as for one the caller may not read', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'production',
      spec: { compose: compose() },
    });
    const real = await srv.api(vic, 'GET', `/api/v1/releases/${rel.body.id}`);
    const missing = await srv.api(vic, 'GET', '/api/v1/releases/01900000-0000-7000-8000-000000000000');
    expect([missing.status, missing.body.code, missing.body.detail]).toEqual([real.status, real.body.code, real.body.detail]);
  });

  // FINDING: the timeline's `release.created` / `release.updated` events carry the parameters masked by value only
  // (TimelineEvents.make → redactDeep), and values shorter than 4 characters are never hunted by value: a
  // secret-named parameter such as DB_PASSWORD=abc is shown in clear to every reader of the environment, while the
  // release view masks it by name (maskParameters). Fix in src/app: build event parameters with maskParameters.
  // Severity: low.
  it('never shows a secret-named parameter in clear on the timeline, whatever its length', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: compose('    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n') },
      parameters: { DB_PASSWORD: 'q7z' },
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    expect(rel.body.parameters.DB_PASSWORD).toBe(MASK);
    const timeline = await srv.api(vic, 'GET', `/api/v1/releases/${rel.body.id}/timeline`);
    expect(timeline.status).toBe(200);
    const created = timeline.body.items.find((e: { type: string }) => e.type === 'release.created');
    expect(created.data.parameters.DB_PASSWORD).not.toBe('q7z');
  });

  // FINDING: fromReleaseId across environments decides whether the spec holds literal secrets by dropping every
  // secret value that also appears in a parameter (carriedFrom in src/app/releases.use-cases.ts). A production spec
  // that writes a secret literally *and* passes the same value as a parameter is copied whole to a caller without
  // write on production; the staging deployer then runs it and reads the literal. Fix in src/app: look for the
  // secret values in the spec's own (unrendered) text. Severity: medium (needs such a production release).
  it('does not copy a production spec holding a literal secret to a caller who may not write production', async () => {
    const literal = 'prod-literal-canary-77';
    const prod = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'production',
      spec: {
        compose: compose(`    environment:\n      DB_PASSWORD: \${DB_PASSWORD}\n      BACKUP_URL: "postgres://backup:${literal}@db/app"\n`),
      },
      parameters: { DB_PASSWORD: literal },
    });
    expect(prod.status, JSON.stringify(prod.body)).toBe(201);
    const copy = await srv.api(stan, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      fromReleaseId: prod.body.id,
      parameters: { DB_PASSWORD: 'staging-only' },
    });
    expect([copy.status, copy.body.code]).toEqual([403, 'FORBIDDEN']);
  });
});

// ---- Through the API against the Kubernetes API simulator ----

describe('through the API (Kubernetes simulator)', () => {
  const sim = new KubeApiSimulator({ tickMs: 100 });
  let srv: TestServer;

  beforeAll(async () => {
    await sim.start();
    sim.addNamespace('rv');
    const kc = new KubeConfig();
    kc.loadFromOptions(sim.kubeconfig());
    srv = await startTestServer({ dialect: 'sqlite', drivers: { kubernetes: KubernetesDriver.create({ kubeConfig: kc }) } });
    expect(
      (await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'kube', runtime: 'kubernetes', target: { namespace: 'rv' } }))
        .status,
    ).toBe(201);
  });

  afterAll(async () => {
    await srv?.close();
    await sim.stop();
  });

  it('masks a literal container env secret of a Deployment in the preview diff', async () => {
    const canary = 'k8s-diff-canary-31';
    const manifests =
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  ` +
      `template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: a\n          image: app:1\n` +
      `          env:\n            - {name: DB_PASSWORD, value: ${canary}}\n`;
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application: 'web', environment: 'kube', spec: { manifests } });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(JSON.stringify(p.body)).not.toContain(canary);
  });
});

// ---- Against the real Docker engine ----

describe.skipIf(!dockerConfigured())('against the real Docker engine', () => {
  let srv: TestServer;
  let scratch = '';
  let allowed = '';
  let dana: string; // deployer everywhere
  const projects = new Set<string>();
  const volumes = new Set<string>();

  async function draft(environment: string, application: string, compose: string, token = dana) {
    const res = await srv.api(token, 'POST', '/api/v1/releases', { application, environment, spec: { compose } });
    projects.add(`${environment === 'rvprod' ? 'rvp' : 'rvs'}-${application}`);
    return res;
  }

  async function run(id: string, token = dana) {
    const p = await srv.api(token, 'POST', `/api/v1/releases/${id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const apply = await srv.api(token, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token });
    if (apply.status !== 202) return { preview: p.body.preview, apply, state: null };
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 60_000);
    return { preview: p.body.preview, apply, state: done.state as string };
  }

  /** Drafting refused, or the preview denies it and nothing runs: the two safe outcomes. */
  async function expectKeptOut(environment: string, application: string, compose: string) {
    const res = await draft(environment, application, compose);
    if (res.status === 400) return;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const outcome = await run(res.body.id);
    expect(outcome.preview.policy.passed, JSON.stringify(outcome.preview.policy)).toBe(false);
    expect([outcome.apply.status, outcome.apply.body.code]).toEqual([422, 'POLICY_DENIED']);
  }

  beforeAll(async () => {
    await ensureTestImages();
    scratch = mkdtempSync(join(tmpdir(), 'shipgate-review-'));
    allowed = join(scratch, 'allowed');
    mkdirSync(allowed);
    chmodSync(allowed, 0o777);
    srv = await startTestServer({
      dialect: 'sqlite',
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never', scratchRoot: join(scratch, 'compose') }) },
    });
    for (const env of [
      { name: 'rvprod', runtime: 'compose', target: { project: 'rvp' }, applyTimeoutSeconds: 30 },
      { name: 'rvstg', runtime: 'compose', target: { project: 'rvs' }, applyTimeoutSeconds: 30, policy: { allowHostPaths: [allowed] } },
    ]) {
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    }
    dana = await srv.tokenFor('dana', 'deployer');
    // Production runs a database whose volume holds data.
    const db = await draft(
      'rvprod',
      'db',
      'services:\n  db:\n    image: shipgate-test/app:1\n    init: true\n    stop_grace_period: 1s\n    command: ["sh", "-c", "echo ' +
        'prod-volume-canary > /data/file; sleep 3600"]\n    volumes:\n      - data:/data\nvolumes:\n  data: {}\n',
      ADMIN_TOKEN,
    );
    expect(db.status, JSON.stringify(db.body)).toBe(201);
    volumes.add('rvp-db_data');
    expect((await run(db.body.id, ADMIN_TOKEN)).state).toBe('succeeded');
  }, 180_000);

  afterAll(async () => {
    await srv?.close();
    // Containers first (a staging container may sit on production's network), then networks and volumes.
    for (const project of projects) await removeProject(project).catch(() => undefined);
    for (const project of projects) await docker(['network', 'rm', `${project}_default`]).catch(() => undefined);
    for (const v of [...volumes, 'rvs-rel_data', 'rvs-ovl_data']) await docker(['volume', 'rm', '-f', v]).catch(() => undefined);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each([
    [
      'a relative bind device',
      'rel',
      '    volumes:\n      - data:/x\nvolumes:\n  data:\n    driver_opts: {type: none, o: bind, device: "../../../../../../../../etc"}\n',
    ],
    [
      'an overlay of host directories',
      'ovl',
      '    volumes:\n      - data:/x\nvolumes:\n  data:\n    driver_opts: {type: overlay, device: overlay, o: "lowerdir=/etc:/usr"}\n',
    ],
  ])(
    'keeps %s of the local volume driver off the host',
    async (_what, application, extra) => {
      await expectKeptOut(
        'rvstg',
        application,
        `services:\n  web:\n    image: shipgate-test/app:1\n    init: true\n    stop_grace_period: 1s\n    command: ["sleep", ` +
          `"3600"]\n${extra}`,
      );
    },
    90_000,
  );

  it.each([
    [
      "a named volume that reuses production's",
      'vname',
      '    volumes:\n      - type: volume\n        source: x\n        target: /stolen\nvolumes:\n  x:\n    name: rvp-db_data\n',
    ],
    [
      'an external volume of production',
      'vext',
      '    volumes:\n      - type: volume\n        source: x\n        target: /stolen\nvolumes:\n  x:\n    external: true\n    name: ' +
        'rvp-db_data\n',
    ],
    [
      'an external volume named by its key',
      'vkey',
      '    volumes:\n      - type: volume\n        source: rvp-db_data\n        target: /stolen\nvolumes:\n  rvp-db_data:\n    external: ' +
        'true\n',
    ],
    ["production's network as network_mode", 'nmode', '    network_mode: rvp-db_default\n'],
    [
      "production's network as an external network",
      'next',
      '    networks: [theirs]\nnetworks:\n  theirs:\n    external: true\n    name: rvp-db_default\n',
    ],
  ])(
    'keeps a staging release from reaching production through %s',
    async (_what, application, extra) => {
      await expectKeptOut(
        'rvstg',
        application,
        `services:\n  web:\n    image: shipgate-test/app:1\n    init: true\n    stop_grace_period: 1s\n    command: ["sh", "-c", "cat ` +
          `/stolen/file; sleep 3600"]\n${extra}`,
      );
    },
    90_000,
  );

  // FINDING: allowHostPaths is judged on the path as written, but the engine resolves symlinks in a bind source on
  // the host. A container given an allowed directory read-write plants `link -> /` in it; the next release binds
  // `<allowed>/link/etc`, which passes `host-path` and mounts the host's /etc (or `/`, read-write: root on the
  // host). The static policy cannot see it; fixing needs a design change (e.g. only the allowed path itself as a
  // bind source, or allowed paths mounted read-only). Severity: high wherever an admin sets allowHostPaths.
  it('keeps a symlink planted inside an allowed host path from reaching the rest of the host', async () => {
    const plant = await draft(
      'rvstg',
      'plant',
      `services:\n  web:\n    image: shipgate-test/app:1\n    init: true\n    stop_grace_period: 1s\n    command: ["sh", "-c", "ln -sfn ` +
        `/ /allowed/link; sleep 3600"]\n    volumes:\n      - ${allowed}:/allowed\n`,
    );
    expect(plant.status, JSON.stringify(plant.body)).toBe(201);
    expect((await run(plant.body.id)).state).toBe('succeeded');
    const use = await draft(
      'rvstg',
      'reach',
      `services:\n  web:\n    image: shipgate-test/app:1\n    init: true\n    stop_grace_period: 1s\n    command: ["sleep", "3600"]\n    ` +
        `volumes:\n      - ${allowed}/link/etc:/host-etc:ro\n`,
    );
    expect(use.status, JSON.stringify(use.body)).toBe(201);
    const outcome = await run(use.body.id);
    if (outcome.state === 'succeeded') {
      const seen = await docker(['exec', 'rvs-reach-web-1', 'cat', '/host-etc/hostname']).catch(() => '');
      // The container sees the host's /etc: the safe outcome would have been a deny at preview.
      expect(seen).toBe('');
    }
    expect(outcome.preview.policy.passed).toBe(false);
  }, 120_000);
});
