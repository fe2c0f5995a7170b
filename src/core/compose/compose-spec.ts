import { ShipgateError, type FieldError } from '../errors.js';
import { specDocumentsOf } from '../release/spec-render.js';

/** A Compose file as Shipgate accepts it: known keys only, merge keys resolved, every `$` a literal. */
export interface ComposeDocument {
  services: Record<string, Record<string, unknown>>;
  networks?: Record<string, Record<string, unknown> | null>;
  volumes?: Record<string, Record<string, unknown> | null>;
  configs?: Record<string, Record<string, unknown>>;
}

const FIELD = '/spec/compose';

/** Why a key that makes Compose read the Shipgate server's files (or run its programs) is refused. */
const SERVER_FILE_KEYS: Readonly<Record<string, string>> = {
  env_file: 'reads files of the Shipgate server; use `environment` with parameters',
  label_file: 'reads files of the Shipgate server; use `labels`',
  build: 'builds from files of the Shipgate server; reference an image',
  develop: 'watches files of the Shipgate server',
  secrets: 'reads files or variables of the Shipgate server; pass secrets as parameters into `environment`',
  credential_spec: 'reads files of the Shipgate server',
  include: 'reads other files of the Shipgate server; put every service in the release',
  provider: 'runs a program on the Shipgate server',
  models: 'is not supported',
  container_name: 'fixes a name shared by every project on the engine; Compose names containers per project',
  external_links: 'reaches containers of other projects',
  cgroup_parent: 'places the containers in a cgroup outside the project',
  runtime: 'selects another container runtime',
  isolation: 'is not supported',
  gpus: 'gives the containers host devices',
  device_cgroup_rules: 'gives the containers host devices',
  blkio_config: 'names host devices',
  storage_opt: 'is not supported',
};

const TOP_LEVEL_KEYS = new Set(['services', 'networks', 'volumes', 'configs', 'name', 'version']);

/** Service keys Shipgate passes to Compose. Host-reaching ones among them are judged by the runtime policy. */
const SERVICE_KEYS = new Set([
  'annotations',
  'attach',
  'cap_add',
  'cap_drop',
  'cgroup',
  'command',
  'configs',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpu_shares',
  'cpus',
  'cpuset',
  'depends_on',
  'deploy',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'environment',
  'expose',
  'extends',
  'extra_hosts',
  'group_add',
  'healthcheck',
  'hostname',
  'image',
  'init',
  'ipc',
  'labels',
  'links',
  'logging',
  'mac_address',
  'mem_limit',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'network_mode',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  'ports',
  'privileged',
  'profiles',
  'pull_policy',
  'read_only',
  'restart',
  'scale',
  'security_opt',
  'shm_size',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'sysctls',
  'tmpfs',
  'tty',
  'ulimits',
  'user',
  'userns_mode',
  'uts',
  'volumes',
  'volumes_from',
  'working_dir',
]);

const NETWORK_KEYS = new Set([
  'driver',
  'driver_opts',
  'external',
  'name',
  'internal',
  'attachable',
  'labels',
  'ipam',
  'enable_ipv4',
  'enable_ipv6',
]);
const VOLUME_KEYS = new Set(['driver', 'driver_opts', 'external', 'name', 'labels']);
/** Only inline configs: `file` and `environment` would read the server's files or variables. */
const CONFIG_KEYS = new Set(['content', 'external', 'name', 'labels']);
const EXTENDS_KEYS = new Set(['service']);
/** `security_opt` options Compose passes to the engine; which loosen confinement is the runtime policy's call. */
const SECURITY_OPTIONS = new Set(['no-new-privileges', 'apparmor', 'seccomp', 'label', 'systempaths']);

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Every string value of a JSON-like value passed through `map` (keys are left as they are). */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map));
  const obj = record(value);
  if (obj) return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, mapStrings(v, map)]));
  return value;
}

const READS_SERVER = ' (it reads files or variables of the Shipgate server); use `content`';

/** Checks a map of named entries (networks, volumes, configs) against its key allowlist. */
function checkEntries(kind: string, value: unknown, allowed: ReadonlySet<string>, errors: FieldError[], nullable: boolean): void {
  if (value === undefined) return;
  const entries = record(value);
  if (!entries) return void errors.push({ path: FIELD, message: `\`${kind}\` must be a map` });
  for (const [name, raw] of Object.entries(entries)) {
    if (raw === null && nullable) continue;
    const entry = record(raw);
    if (!entry) {
      errors.push({ path: FIELD, message: `${kind} ${name} must be a map` });
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (key.startsWith('x-')) continue;
      if (!allowed.has(key))
        errors.push({
          path: FIELD,
          message: `${kind} ${name}: \`${key}\` is not supported${key === 'file' || key === 'environment' ? READS_SERVER : ''}`,
        });
    }
    // A fixed name is shared by every project on the engine: Compose would reuse another project's (another
    // environment's) volume or network of that name. Compose names them per project; only an `external` one, which
    // the runtime policy judges, may name something outside the project.
    if ((kind === 'volume' || kind === 'network') && entry['name'] !== undefined && entry['external'] !== true) {
      errors.push({
        path: FIELD,
        message: `${kind} ${name}: \`name\` fixes a name shared by every project on the engine; Compose names ${kind}s per project`,
      });
    }
  }
}

function checkService(name: string, service: Record<string, unknown>, errors: FieldError[]): void {
  for (const key of Object.keys(service)) {
    if (key.startsWith('x-')) continue;
    const why = SERVER_FILE_KEYS[key];
    if (why) errors.push({ path: FIELD, message: `service ${name}: \`${key}\` is not supported: it ${why}` });
    else if (!SERVICE_KEYS.has(key))
      errors.push({ path: FIELD, message: `service ${name}: \`${key}\` is not a supported Compose service key` });
  }
  const ext = service['extends'];
  if (ext !== undefined && typeof ext !== 'string') {
    const spec = record(ext);
    const extra = spec ? Object.keys(spec).filter((k) => !EXTENDS_KEYS.has(k)) : ['(not a map)'];
    if (extra.length > 0)
      errors.push({
        path: FIELD,
        message: `service ${name}: \`extends\` may only name another service of this file (\`extends: { service: … }\`)`,
      });
  }
  const pullPolicy = service['pull_policy'];
  if (pullPolicy === 'build')
    errors.push({ path: FIELD, message: `service ${name}: \`pull_policy: build\` is not supported; reference an image` });
  const options = service['security_opt'];
  if (Array.isArray(options)) {
    for (const option of options) {
      const [key = '', value = ''] = String(option).split(/[:=]/, 2);
      if (!SECURITY_OPTIONS.has(key)) errors.push({ path: FIELD, message: `service ${name}: security_opt \`${key}\` is not supported` });
      // Any seccomp value but `unconfined` is a profile file that Compose would read from the Shipgate server.
      else if ((key === 'seccomp' || key === 'systempaths') && value !== 'unconfined') {
        errors.push({
          path: FIELD,
          message: `service ${name}: security_opt ${key} with a profile file is not supported (it reads files of the Shipgate server)`,
        });
      }
    }
  }
  const volumes = service['volumes'];
  if (Array.isArray(volumes)) {
    volumes.forEach((volume, i) => {
      const source = typeof volume === 'string' ? shortVolumeSource(volume) : String(record(volume)?.['source'] ?? '');
      const type = typeof volume === 'string' ? null : String(record(volume)?.['type'] ?? '');
      if ((type === null || type === 'bind') && /^(\.|~)/.test(source)) {
        errors.push({
          path: FIELD,
          message:
            `service ${name}: volume ${i + 1} binds a relative host path; use an absolute path the environment allows, or a named ` +
            `volume`,
        });
      }
    });
  }
}

/** The source of a short-syntax volume (`src:dst[:mode]`), or '' for an anonymous volume. */
export function shortVolumeSource(volume: string): string {
  const parts = volume.split(':');
  return parts.length >= 2 ? (parts[0] ?? '') : '';
}

/**
 * Parses a rendered Compose file and accepts only what Shipgate knows to be safe to hand to Compose: known
 * top-level and service keys (merge keys and anchors resolved first, so nothing hides behind them), no key that
 * makes Compose read a file or variable of the Shipgate server, and every `$` literal (`$$` is an escaped `$`).
 * Anything else is `VALIDATION_FAILED`. Host-reaching settings that are valid Compose (bind mounts, privileged, …)
 * pass here and are judged by the environment's runtime policy.
 * @example composeDocument('services:\n  web:\n    image: nginx:1.27\n')
 */
export function composeDocument(rendered: string): ComposeDocument {
  const documents = specDocumentsOf(rendered, FIELD);
  const errors: FieldError[] = [];
  if (documents.length !== 1) {
    const message = documents.length === 0 ? 'the Compose file is empty' : 'a Compose file has exactly one YAML document';
    throw new ShipgateError('VALIDATION_FAILED', message, { errors: [{ path: FIELD, message }] });
  }
  const project = record(documents[0]);
  if (!project)
    throw new ShipgateError('VALIDATION_FAILED', 'the Compose file must be a map', { errors: [{ path: FIELD, message: 'must be a map' }] });
  for (const key of Object.keys(project)) {
    if (key.startsWith('x-') || TOP_LEVEL_KEYS.has(key)) continue;
    const why = SERVER_FILE_KEYS[key];
    errors.push({
      path: FIELD,
      message: why ? `\`${key}\` is not supported: it ${why}` : `\`${key}\` is not a supported Compose top-level key`,
    });
  }
  const services = record(project['services']);
  if (!services || Object.keys(services).length === 0)
    errors.push({ path: FIELD, message: 'the Compose file needs at least one service under `services`' });
  for (const [name, raw] of Object.entries(services ?? {})) {
    const service = raw === null ? {} : record(raw);
    if (!service) errors.push({ path: FIELD, message: `service ${name} must be a map` });
    else checkService(name, service, errors);
  }
  checkEntries('network', project['networks'], NETWORK_KEYS, errors, true);
  checkEntries('volume', project['volumes'], VOLUME_KEYS, errors, true);
  checkEntries('config', project['configs'], CONFIG_KEYS, errors, false);
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
  const doc: ComposeDocument = {
    services: Object.fromEntries(Object.entries(services ?? {}).map(([k, v]) => [k, withoutExtensions(record(v) ?? {})])),
  };
  for (const key of ['networks', 'volumes', 'configs'] as const) {
    const entries = record(project[key]);
    if (entries)
      (doc as unknown as Record<string, unknown>)[key] = Object.fromEntries(
        Object.entries(entries).map(([k, v]) => [k, v === null ? null : withoutExtensions(record(v) ?? {})]),
      );
  }
  // `$$` is Compose's escaped `$`; any other `$` stays as written (Compose never interpolates for Shipgate).
  return mapStrings(doc, (text) => text.replaceAll('$$', '$')) as ComposeDocument;
}

function withoutExtensions(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([k]) => !k.startsWith('x-')));
}

/**
 * A document as Compose must read it: every `$` escaped as `$$`, so Compose interpolates nothing from the
 * server's environment and every value arrives exactly as Shipgate shows it.
 */
export function composeCliText(doc: unknown): string {
  return JSON.stringify(mapStrings(doc, (text) => text.replaceAll('$', '$$$$')));
}

/** What `docker compose config` printed for a {@link composeCliText} document, with its `$$` turned back into `$`. */
export function fromComposeCli<T>(value: T): T {
  return mapStrings(value, (text) => text.replaceAll('$$', '$')) as T;
}
