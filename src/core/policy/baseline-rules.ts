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
      if (!v || typeof v['source'] !== 'string') return;
      // Whatever a bind's source looks like (absolute, relative, a Windows drive), the engine reads it on the host:
      // anything but an allowed absolute path is refused.
      if (v['type'] === 'bind' || (v['type'] === undefined && /^[/.~]/.test(v['source'])))
        mounts.push({ path: v['source'], at: `/volumes/${i}/source` });
    });
  }
  if (resource.kind === 'Volume') mounts.push(...localVolumeMounts(resource.spec));
  return mounts;
}

/** Mount types of the local volume driver that reach no host path: in-memory file systems and network shares. */
const LOCAL_MOUNT_TYPES_WITHOUT_HOST_PATHS = new Set(['tmpfs', 'ramfs', 'nfs', 'nfs4', 'cifs', 'smb3']);
/** Options of the local driver's `o` that name host directories (overlay). */
const PATH_OPTIONS = new Set(['lowerdir', 'upperdir', 'workdir', 'datadir', 'metacopy_dir', 'redirect_dir']);

/**
 * The host paths a named volume of the local driver mounts. The driver hands `device`, `type` and `o` to mount(2):
 * a bind (or a block device, a loop file, …) mounts `device` from the host — a relative `device` is resolved against
 * the engine's working directory, so `../../etc` is the host's /etc — and an overlay takes host directories in `o`.
 * Only tmpfs and network shares need no host path; every other `device` counts as one (and a relative one is refused).
 */
function localVolumeMounts(spec: Json): HostMount[] {
  const driver = spec['driver'];
  if (driver !== undefined && driver !== null && driver !== 'local') return [];
  const opts = record(spec['driver_opts']);
  if (!opts) return [];
  const type = String(opts['type'] ?? '')
    .trim()
    .toLowerCase();
  const options = String(opts['o'] ?? '')
    .split(',')
    .map((o) => o.trim());
  const mounts: HostMount[] = [];
  const device = opts['device'];
  // `bind`/`rbind` mount `device` from the host; `move` moves a host mount there.
  const bind = options.some((o) => o === 'bind' || o === 'rbind' || o === 'move');
  if (device !== undefined && device !== null && (bind || (!LOCAL_MOUNT_TYPES_WITHOUT_HOST_PATHS.has(type) && type !== 'overlay'))) {
    mounts.push({ path: String(device), at: '/driver_opts/device' });
  }
  if (!LOCAL_MOUNT_TYPES_WITHOUT_HOST_PATHS.has(type)) {
    for (const option of options) {
      const eq = option.indexOf('=');
      if (eq === -1) continue;
      const [name, value] = [option.slice(0, eq).trim().toLowerCase(), option.slice(eq + 1)];
      if (!PATH_OPTIONS.has(name) && !/^[/.~]/.test(value)) continue;
      for (const path of value.split(':')) if (path) mounts.push({ path, at: `/driver_opts/o` });
    }
  }
  return mounts;
}

/** Network drivers that attach containers to the host's own network interfaces. */
const HOST_LINK_DRIVERS: ReadonlySet<string> = new Set(['macvlan', 'ipvlan']);

const NAMESPACE_FIELDS = ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts', 'cgroup'] as const;
/** Networks that belong to no project: none, and the engine's default bridge. */
const PROJECT_NEUTRAL_NETWORKS = new Set(['none', 'bridge', 'default']);

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

/** True for a kernel parameter in the safe set, in either spelling (`net.ipv4.x` or `net/ipv4/x`). */
function safeSysctl(name: string): boolean {
  return SAFE_SYSCTLS.has(name.trim().replaceAll('/', '.'));
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
    description:
      "shares the host's (or another container's) network, PID, IPC, user, UTS or cgroup namespace, or joins a network outside the project",
    check: (resource) => {
      if (resource.kind === 'Network') {
        const name = String(resource.spec['name'] ?? resource.name);
        if (resource.spec['driver'] === 'host' || (resource.spec['external'] && name === 'host'))
          return [{ message: "joins the host's network", path: '/driver' }];
        // macvlan and ipvlan put containers straight on the host's physical network, beside the host itself.
        if (typeof resource.spec['driver'] === 'string' && HOST_LINK_DRIVERS.has(resource.spec['driver'])) {
          return [{ message: `the ${resource.spec['driver']} driver puts containers on the host's own network link`, path: '/driver' }];
        }
        // An external network is another project's (another environment's) or one made outside Shipgate.
        if (resource.spec['external'] && !PROJECT_NEUTRAL_NETWORKS.has(name))
          return [{ message: `joins network ${name}, which is outside the project`, path: '/external' }];
        return [];
      }
      if (resource.kind !== 'Service') return [];
      return NAMESPACE_FIELDS.flatMap((field) => {
        const value = resource.spec[field];
        if (typeof value !== 'string') return [];
        const shared = value === 'host' || value.startsWith('container:');
        if (shared) return [{ message: `${field}: ${value} shares a namespace outside the project`, path: `/${field}` }];
        // `network_mode` may also name any network of the engine, such as another project's.
        if (field === 'network_mode' && !PROJECT_NEUTRAL_NETWORKS.has(value) && !value.startsWith('service:')) {
          return [{ message: `network_mode: ${value} joins a network outside the project`, path: '/network_mode' }];
        }
        return [];
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
  service(
    {
      id: 'unconfined-profiles',
      severity: 'deny',
      description: 'turns off seccomp, AppArmor or SELinux confinement, or sets unsafe kernel parameters',
    },
    (spec) => [
      ...list(spec['security_opt'])
        .map((option, i) => ({ option: String(option), i }))
        .filter(({ option }) => unconfinedOption(option))
        .map(({ option, i }) => ({ message: `security_opt ${option} loosens the container's confinement`, path: `/security_opt/${i}` })),
      ...sysctlNames(spec['sysctls'])
        .filter((name) => !safeSysctl(name))
        .map((name) => ({ message: `sets kernel parameter ${name}, which is not in the safe set`, path: `/sysctls/${name}` })),
    ],
  ),
  {
    id: 'foreign-volumes',
    severity: 'deny',
    description: 'mounts the volumes of a container outside the project, or an external volume',
    check: (resource) => {
      if (resource.kind === 'Volume') {
        // An external volume is another project's (another environment's data) or one made outside Shipgate.
        return resource.spec['external']
          ? [
              {
                message: `uses external volume ${String(resource.spec['name'] ?? resource.name)}, which is outside the project`,
                path: '/external',
              },
            ]
          : [];
      }
      if (resource.kind !== 'Service') return [];
      return list(resource.spec['volumes_from'])
        .map((from, i) => ({ from: String(from), i }))
        .filter(({ from }) => from.startsWith('container:'))
        .map(({ from, i }) => ({ message: `volumes_from ${from} reaches a container outside the project`, path: `/volumes_from/${i}` }));
    },
  },
];

// ---- Kubernetes: every pod spec and security context found by its shape, in any kind and at any depth ----
// A controller may read a pod template from anywhere in a custom resource (a `template`, Argo's singular `container`,
// Tekton's `steps` and `stepTemplate`, a map of containers), so the rules judge every map of the object: any
// `securityContext`, any `hostPath`, any `hostNetwork`/`hostPID`/`hostIPC` and any annotations, wherever they sit.

interface MapAt {
  map: Json;
  at: string;
}

/**
 * Every map inside an object with its JSON-pointer path, walked iteratively (no depth limit to hide behind, and a
 * map reached twice through a YAML alias is judged once).
 */
function mapsOf(value: unknown): MapAt[] {
  const out: MapAt[] = [];
  const seen = new Set<object>();
  const stack: Array<{ value: unknown; at: string }> = [{ value, at: '' }];
  while (stack.length > 0) {
    const { value: v, at } = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: `${at}/${i}` });
      continue;
    }
    const map = v as Json;
    out.push({ map, at });
    const entries = Object.entries(map);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], at: `${at}/${entries[i]![0]}` });
  }
  return out;
}

/** Every `securityContext` (pod or container level, or a CRD's) inside an object. */
function securityContexts(resource: PolicyResource): Array<{ sc: Json; at: string }> {
  return mapsOf(resource.spec).flatMap(({ map, at }) => {
    const sc = record(map['securityContext']);
    return sc ? [{ sc, at: `${at}/securityContext` }] : [];
  });
}

function kubernetesMounts(resource: PolicyResource): HostMount[] {
  return mapsOf(resource.spec).flatMap(({ map, at }) => {
    const hostPath = record(map['hostPath']);
    if (!hostPath) return [];
    const path = hostPath['path'];
    return [{ path: typeof path === 'string' ? path : '', at: `${at}/hostPath/path` }];
  });
}

function perSecurityContext(rule: Omit<PolicyRule, 'check'>, check: (securityContext: Json, at: string) => RuleFinding[]): PolicyRule {
  return { ...rule, check: (resource) => securityContexts(resource).flatMap(({ sc, at }) => check(sc, at)) };
}

/** SELinux types a container may run as under the Pod Security baseline. */
const SAFE_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

function unconfinedProfile(context: Json, at: string): RuleFinding[] {
  const findings: RuleFinding[] = [];
  if (record(context['seccompProfile'])?.['type'] === 'Unconfined')
    findings.push({ message: 'runs without a seccomp profile', path: `${at}/seccompProfile/type` });
  if (record(context['appArmorProfile'])?.['type'] === 'Unconfined')
    findings.push({ message: 'runs without an AppArmor profile', path: `${at}/appArmorProfile/type` });
  if (context['procMount'] !== undefined && context['procMount'] !== 'Default')
    findings.push({ message: 'unmasks /proc', path: `${at}/procMount` });
  const selinux = record(context['seLinuxOptions']);
  if (selinux) {
    if (!SAFE_SELINUX_TYPES.has(String(selinux['type'] ?? '')))
      findings.push({ message: `runs as SELinux type ${String(selinux['type'])}`, path: `${at}/seLinuxOptions/type` });
    for (const field of ['user', 'role'] as const) {
      if (selinux[field] !== undefined && selinux[field] !== '')
        findings.push({ message: `sets the SELinux ${field}`, path: `${at}/seLinuxOptions/${field}` });
    }
  }
  list(context['sysctls']).forEach((sysctl, i) => {
    const name = String(record(sysctl)?.['name'] ?? '');
    if (!safeSysctl(name))
      findings.push({ message: `sets kernel parameter ${name}, which is not in the safe set`, path: `${at}/sysctls/${i}` });
  });
  return findings;
}

const KUBERNETES_RULES: readonly PolicyRule[] = [
  ...hostPathRules(kubernetesMounts),
  perSecurityContext({ id: 'privileged', severity: 'deny', description: 'runs a privileged container' }, (sc, at) =>
    sc['privileged'] === true ? [{ message: 'runs privileged', path: `${at}/privileged` }] : [],
  ),
  {
    id: 'host-namespaces',
    severity: 'deny',
    description: "shares the host's network, PID or IPC namespace, or runs as a host process",
    check: (resource) => [
      ...mapsOf(resource.spec).flatMap(({ map, at }) =>
        (['hostNetwork', 'hostPID', 'hostIPC'] as const)
          .filter((field) => map[field] === true)
          .map((field) => ({ message: `${field}: true shares the host's namespace`, path: `${at}/${field}` })),
      ),
      ...securityContexts(resource)
        .filter(({ sc }) => record(sc['windowsOptions'])?.['hostProcess'] === true)
        .map(({ at }) => ({ message: 'runs as a host process', path: `${at}/windowsOptions/hostProcess` })),
    ],
  },
  perSecurityContext(
    { id: 'added-capabilities', severity: 'deny', description: 'adds Linux capabilities beyond NET_BIND_SERVICE' },
    (sc, at) =>
      list(record(sc['capabilities'])?.['add'])
        .map((cap, i) => ({ cap: capabilityName(cap), i }))
        .filter(({ cap }) => !ALLOWED_ADDED_CAPABILITIES.has(cap))
        .map(({ cap, i }) => ({ message: `adds capability ${cap}`, path: `${at}/capabilities/add/${i}` })),
  ),
  perSecurityContext(
    { id: 'privilege-escalation', severity: 'deny', description: 'allows privilege escalation (allowPrivilegeEscalation: true)' },
    (sc, at) =>
      sc['allowPrivilegeEscalation'] === true ? [{ message: 'allows privilege escalation', path: `${at}/allowPrivilegeEscalation` }] : [],
  ),
  {
    id: 'unconfined-profiles',
    severity: 'deny',
    description: 'turns off seccomp, AppArmor or SELinux confinement, unmasks /proc, or sets unsafe kernel parameters',
    check: (resource) => [
      ...securityContexts(resource).flatMap(({ sc, at }) => unconfinedProfile(sc, at)),
      ...mapsOf(resource.spec).flatMap(({ map, at }) =>
        Object.entries(record(map['annotations']) ?? {})
          .filter(
            ([k, v]) =>
              /^(container\.apparmor\.security\.beta\.kubernetes\.io\/|seccomp\.security\.alpha\.kubernetes\.io\/)/.test(k) &&
              String(v).includes('unconfined'),
          )
          .map(([k]) => ({ message: `annotation ${k} turns confinement off`, path: `${at}/annotations` })),
      ),
    ],
  },
  {
    id: 'cluster-scoped-kind',
    severity: 'deny',
    description: "creates a cluster-scoped object (per the API server's discovery), outside the environment's namespace",
    check: (resource) =>
      resource.clusterScoped
        ? [{ message: `${resource.kind} is cluster-scoped: it reaches beyond the environment's namespace`, path: '/kind' }]
        : [],
  },
  {
    id: 'namespace-guardrails',
    severity: 'deny',
    description:
      "grants API permissions (Role, RoleBinding) or changes the namespace's quotas and limits: a pod given such a role could create " +
      'what the policy refuses, straight through the API',
    check: (resource) => {
      const group = String(resource.spec['apiVersion'] ?? '').split('/')[0];
      const rbac = group === 'rbac.authorization.k8s.io' && (resource.kind === 'Role' || resource.kind === 'RoleBinding');
      const limits = String(resource.spec['apiVersion']) === 'v1' && (resource.kind === 'ResourceQuota' || resource.kind === 'LimitRange');
      return rbac || limits ? [{ message: `${resource.kind} changes who may do what in the namespace, or its limits`, path: '/kind' }] : [];
    },
  },
];

/** The built-in rules of the `baseline` profile for a runtime. */
export function baselineRules(runtime: Runtime): readonly PolicyRule[] {
  return runtime === 'compose' ? COMPOSE_RULES : KUBERNETES_RULES;
}
