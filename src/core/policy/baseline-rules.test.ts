import { describe, expect, it } from 'vitest';
import { baselineRules } from './baseline-rules.js';
import { evaluatePolicy, hostPathAllowed, reachesEngineSocket, type EnvironmentPolicy, type PolicyResource } from './policy.js';

const baseline: EnvironmentPolicy = { profile: 'baseline', allowHostPaths: ['/srv/data'], rules: [] };
const service = (spec: Record<string, unknown>): PolicyResource => ({ kind: 'Service', name: 'web', spec: { image: 'app:1', ...spec } });
const rulesHit = (runtime: 'compose' | 'kubernetes', resources: PolicyResource[], policy = baseline) =>
  evaluatePolicy(policy, baselineRules(runtime), resources).violations.map((v) => v.ruleId);

describe('host paths', () => {
  it('allows exactly the listed paths, after normalization, never a path under one (a planted symlink could lead anywhere)', () => {
    expect(hostPathAllowed('/srv/data', ['/srv/data'])).toBe(true);
    expect(hostPathAllowed('/srv//data/', ['/srv/data'])).toBe(true);
    expect(hostPathAllowed('/srv/data/app/logs', ['/srv/data', '/srv/data/app/logs'])).toBe(true);
    for (const path of [
      '/srv/data/app/logs',
      '/srv/data/link/etc',
      '/srv/database',
      '/srv/data/../../etc',
      '/srv/data/../secret',
      '/srv',
      '/',
      'srv/data',
      './srv/data',
      '',
    ]) {
      expect(hostPathAllowed(path, ['/srv/data']), path).toBe(false);
    }
  });

  it('knows the engine socket, through any spelling or parent directory', () => {
    for (const path of [
      '/var/run/docker.sock',
      '/run/docker.sock',
      '/var/run/',
      '/var/run',
      '/run',
      '/var',
      '/',
      '//var//run/docker.sock',
      '/srv/data/../../var/run/docker.sock',
      '/run/containerd/containerd.sock',
      '/home/u/.docker/run/docker.sock',
    ]) {
      expect(reachesEngineSocket(path), path).toBe(true);
    }
    expect(reachesEngineSocket('/srv/data')).toBe(false);
  });
});

describe('the baseline profile on Compose (normalized and short syntax alike)', () => {
  it.each([
    ['a bind mount outside allowHostPaths', { volumes: ['/etc:/host-etc:ro'] }, 'host-path'],
    ['a long-syntax bind of the root filesystem', { volumes: [{ type: 'bind', source: '/', target: '/host' }] }, 'host-path'],
    ['a bind escaping the allowed path with ..', { volumes: [{ type: 'bind', source: '/srv/data/../../etc', target: '/x' }] }, 'host-path'],
    ['the Docker socket', { volumes: ['/var/run/docker.sock:/var/run/docker.sock'] }, 'engine-socket'],
    ['the directory holding the Docker socket', { volumes: [{ type: 'bind', source: '/run', target: '/r' }] }, 'engine-socket'],
    ['privileged', { privileged: true }, 'privileged'],
    ['the host network', { network_mode: 'host' }, 'host-namespaces'],
    ["another container's network", { network_mode: 'container:prod-db-1' }, 'host-namespaces'],
    ['the host PID namespace', { pid: 'host' }, 'host-namespaces'],
    ['the host IPC namespace', { ipc: 'host' }, 'host-namespaces'],
    ['the host user namespace', { userns_mode: 'host' }, 'host-namespaces'],
    ['the host UTS namespace', { uts: 'host' }, 'host-namespaces'],
    ['the host cgroup namespace', { cgroup: 'host' }, 'host-namespaces'],
    ['SYS_ADMIN', { cap_add: ['SYS_ADMIN'] }, 'added-capabilities'],
    ['ALL capabilities', { cap_add: ['ALL'] }, 'added-capabilities'],
    ['a capability in lower case with the CAP_ prefix', { cap_add: ['cap_sys_ptrace'] }, 'added-capabilities'],
    ['a host device', { devices: ['/dev/sda:/dev/sda'] }, 'devices'],
    ['a normalized host device', { devices: [{ source: '/dev/kmsg', target: '/dev/kmsg', permissions: 'rwm' }] }, 'devices'],
    ['reserved GPUs', { deploy: { resources: { reservations: { devices: [{ capabilities: ['gpu'] }] } } } }, 'devices'],
    ['seccomp unconfined', { security_opt: ['seccomp=unconfined'] }, 'unconfined-profiles'],
    ['AppArmor unconfined', { security_opt: ['apparmor:unconfined'] }, 'unconfined-profiles'],
    ['SELinux labelling off', { security_opt: ['label=disable'] }, 'unconfined-profiles'],
    ['unmasked system paths', { security_opt: ['systempaths=unconfined'] }, 'unconfined-profiles'],
    ['an unsafe sysctl', { sysctls: { 'kernel.core_pattern': '|/bin/sh' } }, 'unconfined-profiles'],
    ['an unsafe sysctl as a list', { sysctls: ['kernel.modprobe=/tmp/x'] }, 'unconfined-profiles'],
    ["another project's container volumes", { volumes_from: ['container:prod-db-1'] }, 'foreign-volumes'],
  ])('refuses %s', (_what, spec, ruleId) => {
    const hit = rulesHit('compose', [service(spec)]);
    expect(hit).toContain(ruleId);
  });

  it('refuses named volumes and networks that reach the host', () => {
    expect(
      rulesHit('compose', [
        { kind: 'Volume', name: 'etc', spec: { driver: 'local', driver_opts: { type: 'none', o: 'bind', device: '/etc' } } },
      ]),
    ).toContain('host-path');
    expect(rulesHit('compose', [{ kind: 'Network', name: 'h', spec: { external: true, name: 'host' } }])).toContain('host-namespaces');
    expect(rulesHit('compose', [{ kind: 'Network', name: 'host', spec: { external: true } }])).toContain('host-namespaces');
    for (const driver of ['macvlan', 'ipvlan']) {
      expect(rulesHit('compose', [{ kind: 'Network', name: 'lan', spec: { driver, driver_opts: { parent: 'eth0' } } }]), driver).toContain(
        'host-namespaces',
      );
    }
    expect(rulesHit('compose', [{ kind: 'Network', name: 'back', spec: { driver: 'bridge', internal: true } }])).toEqual([]);
  });

  it('lets through what stays in the container', () => {
    const ok = service({
      volumes: [{ type: 'volume', source: 'data', target: '/data' }, '/srv/data:/data2', 'cache:/cache', '/tmpdata'],
      cap_add: ['NET_BIND_SERVICE'],
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true', 'apparmor=docker-default'],
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      network_mode: 'bridge',
      ipc: 'private',
      volumes_from: ['worker:ro'],
    });
    expect(evaluatePolicy(baseline, baselineRules('compose'), [ok])).toEqual({ passed: true, violations: [] });
  });

  it('names the rule, the resource and the path of each violation; the privileged profile turns the rules off', () => {
    const bad = service({ privileged: true, volumes: ['/var/run/docker.sock:/s'] });
    const result = evaluatePolicy(baseline, baselineRules('compose'), [bad]);
    expect(result.passed).toBe(false);
    expect(result.violations).toEqual(
      expect.arrayContaining([
        {
          ruleId: 'privileged',
          severity: 'deny',
          message: 'runs privileged',
          resource: { kind: 'Service', name: 'web' },
          path: '/privileged',
        },
        expect.objectContaining({ ruleId: 'engine-socket', path: '/volumes/0' }),
      ]),
    );
    expect(evaluatePolicy({ profile: 'privileged', allowHostPaths: [], rules: [] }, baselineRules('compose'), [bad])).toEqual({
      passed: true,
      violations: [],
    });
  });
});

const deployment = (pod: Record<string, unknown>, annotations: Record<string, string> = {}): PolicyResource => ({
  kind: 'Deployment',
  name: 'web',
  spec: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { template: { metadata: { annotations }, spec: { containers: [{ name: 'app', image: 'app:1' }], ...pod } } },
  },
});
const container = (securityContext: Record<string, unknown>) => ({ containers: [{ name: 'app', image: 'app:1', securityContext }] });

describe('the baseline profile on Kubernetes (pod specs found by shape, in any kind)', () => {
  it.each([
    ['a hostPath outside allowHostPaths', { volumes: [{ name: 'h', hostPath: { path: '/etc' } }] }, 'host-path'],
    [
      'the Docker socket by hostPath',
      { volumes: [{ name: 'h', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }] },
      'engine-socket',
    ],
    ['hostNetwork', { hostNetwork: true }, 'host-namespaces'],
    ['hostPID', { hostPID: true }, 'host-namespaces'],
    ['hostIPC', { hostIPC: true }, 'host-namespaces'],
    ['a host process', container({ windowsOptions: { hostProcess: true } }), 'host-namespaces'],
    ['a privileged container', container({ privileged: true }), 'privileged'],
    ['a privileged init container', { initContainers: [{ name: 'i', image: 'x', securityContext: { privileged: true } }] }, 'privileged'],
    [
      'a privileged ephemeral container',
      { ephemeralContainers: [{ name: 'e', image: 'x', securityContext: { privileged: true } }] },
      'privileged',
    ],
    ['an added capability', container({ capabilities: { add: ['NET_ADMIN'] } }), 'added-capabilities'],
    ['privilege escalation', container({ allowPrivilegeEscalation: true }), 'privilege-escalation'],
    ['pod seccomp unconfined', { securityContext: { seccompProfile: { type: 'Unconfined' } } }, 'unconfined-profiles'],
    ['container AppArmor unconfined', container({ appArmorProfile: { type: 'Unconfined' } }), 'unconfined-profiles'],
    ['an unmasked /proc', container({ procMount: 'Unmasked' }), 'unconfined-profiles'],
  ])('refuses %s', (_what, pod, ruleId) => {
    expect(rulesHit('kubernetes', [deployment(pod)])).toContain(ruleId);
  });

  it('finds pod specs in Pods, CronJobs and custom resources, and AppArmor annotations', () => {
    const pod: PolicyResource = {
      kind: 'Pod',
      name: 'p',
      spec: { kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x' }] } },
    };
    const cron: PolicyResource = {
      kind: 'CronJob',
      name: 'c',
      spec: {
        kind: 'CronJob',
        spec: {
          jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }] } } } },
        },
      },
    };
    const custom: PolicyResource = {
      kind: 'Rollout',
      name: 'r',
      spec: { kind: 'Rollout', spec: { template: { spec: { hostPID: true, containers: [{ name: 'a', image: 'x' }] } } } },
    };
    expect(rulesHit('kubernetes', [pod])).toContain('host-namespaces');
    expect(rulesHit('kubernetes', [cron])).toContain('privileged');
    expect(rulesHit('kubernetes', [custom])).toContain('host-namespaces');
    expect(rulesHit('kubernetes', [deployment({}, { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' })])).toContain(
      'unconfined-profiles',
    );
  });

  it('refuses grants of API permissions and changes to quotas and limits in the namespace', () => {
    for (const [apiVersion, kind] of [
      ['rbac.authorization.k8s.io/v1', 'Role'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['v1', 'ResourceQuota'],
      ['v1', 'LimitRange'],
    ]) {
      expect(rulesHit('kubernetes', [{ kind: kind!, name: 'x', spec: { apiVersion, kind } }]), kind).toEqual(['namespace-guardrails']);
    }
    expect(rulesHit('kubernetes', [{ kind: 'ConfigMap', name: 'x', spec: { apiVersion: 'v1', kind: 'ConfigMap' } }])).toEqual([]);
  });

  it('refuses cluster-scoped kinds as discovery names them, and lets a restricted pod through', () => {
    expect(rulesHit('kubernetes', [{ kind: 'ClusterRoleBinding', name: 'x', spec: {}, clusterScoped: true }])).toEqual([
      'cluster-scoped-kind',
    ]);
    expect(rulesHit('kubernetes', [{ kind: 'Widget', name: 'x', spec: {}, clusterScoped: true }])).toEqual(['cluster-scoped-kind']);
    const restricted = deployment({
      volumes: [
        { name: 'd', hostPath: { path: '/srv/data' } },
        { name: 'c', configMap: { name: 'x' } },
      ],
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'x',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
        },
      ],
    });
    expect(evaluatePolicy(baseline, baselineRules('kubernetes'), [restricted])).toEqual({ passed: true, violations: [] });
  });
});
