import type { Runtime } from '../release/release.js';
import { shortVolumeSource } from '../compose/compose-spec.js';
import {
  ALLOWED_ADDED_CAPABILITIES,
  capabilityName,
  hostPathAllowed,
  reachesEngineSocket,
  type PolicyContext,
  type PolicyResource,
  type PolicyRule,
  type RuleFinding,
} from './policy.js';

type Json = Record<string, unknown>;

function record(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A host path that a resource mounts, and where. */
interface HostMount {
  path: string;
  at: string;
}

/** The rules that judge host paths, the same on both runtimes. */
function hostPathRules(mounts: (resource: PolicyResource) => HostMount[]): PolicyRule[] {
  return [
    {
      id: 'engine-socket',
      severity: 'deny',
      description: 'mounts a container engine socket (or a directory holding one): whoever holds it is root on the host',
      check: (resource) =>
        mounts(resource)
          .filter((m) => reachesEngineSocket(m.path))
          .map((m) => ({ message: `mounts ${m.path}, which reaches the container engine's socket`, path: m.at })),
    },
    {
      id: 'host-path',
      severity: 'deny',
      description: "mounts a host path outside the environment's allowHostPaths",
      check: (resource, { policy }: PolicyContext) =>
        mounts(resource)
          .filter((m) => !hostPathAllowed(m.path, policy.allowHostPaths))
          .map((m) => ({ message: `mounts host path ${m.path}, which the environment's allowHostPaths does not list`, path: m.at })),
    },
  ];
}

// ---- Compose: services of the normalized model (either volume syntax), top-level volumes and networks ----

function composeMounts(resource: PolicyResource): HostMount[] {
  const mounts: HostMount[] = [];
  if (resource.kind === 'Service') {
    list(resource.spec['volumes']).forEach((volume, i) => {
      if (typeof volume === 'string') {
        const source = shortVolumeSource(volume);
        if (source.startsWith('/') || source.startsWith('.') || source.startsWith('~')) mounts.push({ path: source, at: `/volumes/${i}` });
        return;
      }
      const v = record(volume);
      if (v && (v['type'] === 'bind' || v['type'] === undefined) && typeof v['source'] === 'string' && /^[/.~]/.test(v['source'])) {
        mounts.push({ path: v['source'], at: `/volumes/${i}/source` });
      }
    });
  }
  if (resource.kind === 'Volume') {
    // The local driver's `device` bind-mounts a host directory under a named volume.
    const device = record(resource.spec['driver_opts'])?.['device'];
    if (typeof device === 'string' && device.startsWith('/')) mounts.push({ path: device, at: '/driver_opts/device' });
  }
  return mounts;
}

const NAMESPACE_FIELDS = ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts', 'cgroup'] as const;

/** `no-new-privileges` and named AppArmor profiles are fine; unconfined profiles and SELinux relabelling are not. */
function unconfinedOption(option: string): boolean {
  const [name = '', value = ''] = option.split(/[:=]/, 2);
  if (name === 'no-new-privileges') return false;
  if (name === 'apparmor') return value === 'unconfined';
  return true;
}

/** Kernel parameters that are namespaced and safe to set per container (Kubernetes' safe set). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

function sysctlNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v).split('=')[0] ?? '');
  return Object.keys(record(value) ?? {});
}

function service(rule: Omit<PolicyRule, 'check'>, check: (spec: Json) => RuleFinding[]): PolicyRule {
  return { ...rule, check: (resource) => (resource.kind === 'Service' ? check(resource.spec) : []) };
}

const COMPOSE_RULES: readonly PolicyRule[] = [
  ...hostPathRules(composeMounts),
  service({ id: 'privileged', severity: 'deny', description: 'runs a privileged container' }, (spec) =>
    spec['privileged'] === true || spec['privileged'] === 'true' ? [{ message: 'runs privileged', path: '/privileged' }] : [],
  ),
  {
    id: 'host-namespaces',
    severity: 'deny',
    description: "shares the host's (or another container's) network, PID, IPC, user, UTS or cgroup namespace",
    check: (resource) => {
      if (resource.kind === 'Network') {
        const name = String(resource.spec['name'] ?? resource.name);
        return resource.spec['driver'] === 'host' || (resource.spec['external'] && name === 'host') ? [{ message: "joins the host's network", path: '/driver' }] : [];
      }
      if (resource.kind !== 'Service') return [];
      return NAMESPACE_FIELDS.flatMap((field) => {
        const value = resource.spec[field];
        if (typeof value !== 'string') return [];
        const shared = value === 'host' || value.startsWith('container:');
        return shared ? [{ message: `${field}: ${value} shares a namespace outside the project`, path: `/${field}` }] : [];
      });
    },
  },
  service({ id: 'added-capabilities', severity: 'deny', description: 'adds Linux capabilities beyond NET_BIND_SERVICE' }, (spec) =>
    list(spec['cap_add'])
      .map((cap, i) => ({ cap: capabilityName(cap), i }))
      .filter(({ cap }) => !ALLOWED_ADDED_CAPABILITIES.has(cap))
      .map(({ cap, i }) => ({ message: `adds capability ${cap}`, path: `/cap_add/${i}` })),
  ),
  service({ id: 'devices', severity: 'deny', description: 'gives the container host devices' }, (spec) => {
    const findings: RuleFinding[] = list(spec['devices']).map((_d, i) => ({ message: 'maps a host device', path: `/devices/${i}` }));
    const reserved = list(record(record(record(spec['deploy'])?.['resources'])?.['reservations'])?.['devices']);
    reserved.forEach((_d, i) => findings.push({ message: 'reserves host devices', path: `/deploy/resources/reservations/devices/${i}` }));
    return findings;
  }),
  service({ id: 'unconfined-profiles', severity: 'deny', description: 'turns off seccomp, AppArmor or SELinux confinement, or sets unsafe kernel parameters' }, (spec) => [
    ...list(spec['security_opt'])
      .map((option, i) => ({ option: String(option), i }))
      .filter(({ option }) => unconfinedOption(option))
      .map(({ option, i }) => ({ message: `security_opt ${option} loosens the container's confinement`, path: `/security_opt/${i}` })),
    ...sysctlNames(spec['sysctls'])
      .filter((name) => !SAFE_SYSCTLS.has(name))
      .map((name) => ({ message: `sets kernel parameter ${name}, which is not in the safe set`, path: `/sysctls/${name}` })),
  ]),
  service({ id: 'foreign-volumes', severity: 'deny', description: "mounts the volumes of a container outside the project" }, (spec) =>
    list(spec['volumes_from'])
      .map((from, i) => ({ from: String(from), i }))
      .filter(({ from }) => from.startsWith('container:'))
      .map(({ from, i }) => ({ message: `volumes_from ${from} reaches a container outside the project`, path: `/volumes_from/${i}` })),
  ),
];

// ---- Kubernetes: every pod spec found by its shape, in any kind (Pod, workloads, CronJob, custom resources) ----

interface PodSpecAt {
  spec: Json;
  metadata: Json | null;
  at: string;
}

/** Every pod spec inside an object: any map with a `containers` list, wherever it sits. */
function podSpecs(value: unknown, at = '', parentMetadata: Json | null = null, out: PodSpecAt[] = [], depth = 0): PodSpecAt[] {
  const obj = record(value);
  if (depth > 32) return out;
  if (obj) {
    if (Array.isArray(obj['containers'])) out.push({ spec: obj, metadata: parentMetadata, at });
    const metadata = record(obj['metadata']);
    for (const [k, v] of Object.entries(obj)) podSpecs(v, `${at}/${k}`, metadata ?? null, out, depth + 1);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => podSpecs(v, `${at}/${i}`, parentMetadata, out, depth + 1));
  }
  return out;
}

interface ContainerAt {
  container: Json;
  at: string;
}

function containersOf(pod: PodSpecAt): ContainerAt[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((field) =>
    list(pod.spec[field]).flatMap((c, i) => {
      const container = record(c);
      return container ? [{ container, at: `${pod.at}/${field}/${i}` }] : [];
    }),
  );
}

function kubernetesMounts(resource: PolicyResource): HostMount[] {
  return podSpecs(resource.spec).flatMap((pod) =>
    list(pod.spec['volumes']).flatMap((v, i) => {
      const path = record(record(v)?.['hostPath'])?.['path'];
      return typeof path === 'string' ? [{ path, at: `${pod.at}/volumes/${i}/hostPath/path` }] : [];
    }),
  );
}

function perContainer(rule: Omit<PolicyRule, 'check'>, check: (securityContext: Json, at: string) => RuleFinding[]): PolicyRule {
  return {
    ...rule,
    check: (resource) =>
      podSpecs(resource.spec).flatMap((pod) => containersOf(pod).flatMap(({ container, at }) => check(record(container['securityContext']) ?? {}, `${at}/securityContext`))),
  };
}

function unconfinedProfile(context: Json | null, at: string): RuleFinding[] {
  const findings: RuleFinding[] = [];
  if (record(context?.['seccompProfile'])?.['type'] === 'Unconfined') findings.push({ message: 'runs without a seccomp profile', path: `${at}/seccompProfile/type` });
  if (record(context?.['appArmorProfile'])?.['type'] === 'Unconfined') findings.push({ message: 'runs without an AppArmor profile', path: `${at}/appArmorProfile/type` });
  return findings;
}

const KUBERNETES_RULES: readonly PolicyRule[] = [
  ...hostPathRules(kubernetesMounts),
  perContainer({ id: 'privileged', severity: 'deny', description: 'runs a privileged container' }, (sc, at) =>
    sc['privileged'] === true ? [{ message: 'runs privileged', path: `${at}/privileged` }] : [],
  ),
  {
    id: 'host-namespaces',
    severity: 'deny',
    description: "shares the host's network, PID or IPC namespace, or runs as a host process",
    check: (resource) =>
      podSpecs(resource.spec).flatMap((pod) => [
        ...(['hostNetwork', 'hostPID', 'hostIPC'] as const)
          .filter((field) => pod.spec[field] === true)
          .map((field) => ({ message: `${field}: true shares the host's namespace`, path: `${pod.at}/${field}` })),
        ...containersOf(pod)
          .filter(({ container }) => record(record(container['securityContext'])?.['windowsOptions'])?.['hostProcess'] === true)
          .map(({ at }) => ({ message: 'runs as a host process', path: `${at}/securityContext/windowsOptions/hostProcess` })),
      ]),
  },
  perContainer({ id: 'added-capabilities', severity: 'deny', description: 'adds Linux capabilities beyond NET_BIND_SERVICE' }, (sc, at) =>
    list(record(sc['capabilities'])?.['add'])
      .map((cap, i) => ({ cap: capabilityName(cap), i }))
      .filter(({ cap }) => !ALLOWED_ADDED_CAPABILITIES.has(cap))
      .map(({ cap, i }) => ({ message: `adds capability ${cap}`, path: `${at}/capabilities/add/${i}` })),
  ),
  perContainer({ id: 'privilege-escalation', severity: 'deny', description: 'allows privilege escalation (allowPrivilegeEscalation: true)' }, (sc, at) =>
    sc['allowPrivilegeEscalation'] === true ? [{ message: 'allows privilege escalation', path: `${at}/allowPrivilegeEscalation` }] : [],
  ),
  {
    id: 'unconfined-profiles',
    severity: 'deny',
    description: 'turns off seccomp or AppArmor, or unmasks /proc',
    check: (resource) =>
      podSpecs(resource.spec).flatMap((pod) => [
        ...unconfinedProfile(record(pod.spec['securityContext']), `${pod.at}/securityContext`),
        ...Object.entries(record(pod.metadata?.['annotations']) ?? {})
          .filter(([k, v]) => /^(container\.apparmor\.security\.beta\.kubernetes\.io\/|seccomp\.security\.alpha\.kubernetes\.io\/)/.test(k) && String(v).includes('unconfined'))
          .map(([k]) => ({ message: `annotation ${k} turns confinement off`, path: '/metadata/annotations' })),
        ...containersOf(pod).flatMap(({ container, at }) => {
          const sc = record(container['securityContext']);
          const findings = unconfinedProfile(sc, `${at}/securityContext`);
          if (sc?.['procMount'] === 'Unmasked') findings.push({ message: 'unmasks /proc', path: `${at}/securityContext/procMount` });
          return findings;
        }),
      ]),
  },
  {
    id: 'cluster-scoped-kind',
    severity: 'deny',
    description: "creates a cluster-scoped object (per the API server's discovery), outside the environment's namespace",
    check: (resource) => (resource.clusterScoped ? [{ message: `${resource.kind} is cluster-scoped: it reaches beyond the environment's namespace`, path: '/kind' }] : []),
  },
];

/** The built-in rules of the `baseline` profile for a runtime. */
export function baselineRules(runtime: Runtime): readonly PolicyRule[] {
  return runtime === 'compose' ? COMPOSE_RULES : KUBERNETES_RULES;
}
