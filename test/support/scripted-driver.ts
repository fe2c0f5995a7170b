import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { ShipgateError } from '../../src/core/errors.js';
import type { Change } from '../../src/core/preview/preview.js';
import type { RuntimeDiagnosis } from '../../src/core/diagnostics/diagnostics.js';
import type { Runtime } from '../../src/core/release/release.js';
import { specDocuments } from '../../src/core/release/spec-render.js';
import { MASK, composeEnvironment, looksSecret } from '../../src/core/secrets/secret-masking.js';
import type {
  ApplyOptions,
  ApplyOutcome,
  DeployTarget,
  DeployUnit,
  DriverPreview,
  RuntimeDriver,
  WorkloadUnit,
} from '../../src/ports/runtime-driver.js';

/**
 * A deterministic in-process runtime for tests at the RuntimeDriver port. Never part of the product.
 * Resources are Compose services (or Kubernetes objects by kind/name). Images decide outcomes:
 * an image ending in `:fail` makes the apply fail, `:crash` makes the driver throw (interrupted), `:hang` waits
 * until the deadline or abort.
 */
export class ScriptedDriver implements RuntimeDriver {
  readonly runtime: Runtime;
  /** Live resources per target: name → canonical JSON of the resource. */
  private readonly live = new Map<string, Map<string, string>>();
  private readonly lastFailure = new Map<string, string>();
  unavailable = false;
  /** How many times `observe` saw each live resource since it was applied. */
  private readonly observations = new Map<string, number>();
  applyCalls: string[] = [];
  previewCalls = 0;
  /** When set, apply waits for it before finishing (to observe `applying`). */
  hold: Promise<void> | null = null;
  stageDelayMs = 0;

  constructor(runtime: Runtime = 'compose') {
    this.runtime = runtime;
  }

  private key(target: DeployTarget): string {
    return `${target.environment}/${target.application}`;
  }

  private check(): void {
    if (this.unavailable) throw new ShipgateError('RUNTIME_UNAVAILABLE', `the ${this.runtime} runtime cannot be reached`);
  }

  private resources(unit: DeployUnit): Map<string, { kind: string; body: Record<string, unknown> }> {
    const out = new Map<string, { kind: string; body: Record<string, unknown> }>();
    for (const doc of specDocuments(unit.rendered)) {
      const obj = doc as Record<string, unknown>;
      if (obj['services'] && typeof obj['services'] === 'object') {
        for (const [name, svc] of Object.entries(obj['services'] as Record<string, Record<string, unknown>>)) {
          out.set(name, { kind: 'Service', body: svc });
        }
      } else if (typeof obj['kind'] === 'string') {
        const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
        out.set(`${obj['kind']}/${String(meta['name'])}`, { kind: obj['kind'], body: obj });
      }
    }
    return out;
  }

  private masked(body: Record<string, unknown>): Record<string, unknown> {
    const env = composeEnvironment(body);
    if (Object.keys(env).length === 0) return body;
    const shown: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(env)) shown[k] = looksSecret(k) ? MASK : v;
    return { ...body, environment: shown };
  }

  async ping(): Promise<void> {
    this.check();
  }

  async liveDigest(target: DeployTarget): Promise<string> {
    this.check();
    const live = this.live.get(this.key(target)) ?? new Map<string, string>();
    return (
      'sha256:' +
      createHash('sha256')
        .update(canonicalJson([...live.entries()].sort()))
        .digest('hex')
    );
  }

  async preview(target: DeployTarget, unit: DeployUnit): Promise<DriverPreview> {
    this.check();
    this.previewCalls += 1;
    const live = this.live.get(this.key(target)) ?? new Map<string, string>();
    const wanted = this.resources(unit);
    const changes: Change[] = [];
    for (const [name, { kind, body }] of wanted) {
      const json = canonicalJson(body);
      const before = live.get(name);
      const action = before === undefined ? 'create' : before === json ? 'unchanged' : 'update';
      const diff =
        action === 'unchanged'
          ? ''
          : `${before ? `- ${canonicalJson(this.masked(JSON.parse(before)))}\n` : ''}+ ${canonicalJson(this.masked(body))}`;
      changes.push({ action, kind, name, diff });
    }
    for (const name of live.keys()) if (!wanted.has(name)) changes.push({ action: 'delete', kind: 'Service', name, diff: `- ${name}` });
    // The policy sees each resource as written (a real driver hands over its runtime's normalized form).
    const resources = [...wanted.entries()].map(([name, { kind, body }]) => ({ kind, name: name.split('/').pop() ?? name, spec: body }));
    return { changes, liveDigest: await this.liveDigest(target), resources };
  }

  async apply(target: DeployTarget, unit: DeployUnit, options: ApplyOptions): Promise<ApplyOutcome> {
    this.check();
    this.applyCalls.push(unit.releaseId);
    await options.onStage('applying');
    await this.pause(options);
    const wanted = this.resources(unit);
    const next = new Map<string, string>();
    for (const [name, { body }] of wanted) next.set(name, canonicalJson(body));
    this.live.set(this.key(target), next);
    for (const name of next.keys()) this.observations.delete(name);
    await options.onStage('waiting_for_rollout');
    if (this.hold) {
      // Held, as a real rollout is, until it finishes or the executor gives up on it.
      const aborted = new Promise<never>((_, reject) => {
        if (options.signal.aborted) reject(options.signal.reason);
        options.signal.addEventListener('abort', () => reject(options.signal.reason), { once: true });
      });
      await Promise.race([this.hold, aborted]);
    }
    await this.pause(options);
    const images = [...wanted.values()].map((r) => String(r.body['image'] ?? ''));
    if (images.some((i) => i.endsWith(':crash'))) throw new Error('the runtime connection dropped mid-apply');
    if (images.some((i) => i.endsWith(':hang'))) {
      await new Promise<void>((resolve) => {
        const left = options.deadline.getTime() - Date.now();
        const timer = setTimeout(resolve, Math.max(0, left));
        options.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options.signal.aborted) throw new Error(String((options.signal.reason as Error)?.message ?? 'aborted'));
      this.lastFailure.set(this.key(target), 'rollout did not finish before the deadline');
      return { ok: false, message: 'rollout did not finish before the deadline', runtimeState: null };
    }
    await options.onStage('verifying');
    const failing = [...wanted.entries()].find(([, r]) => String(r.body['image'] ?? '').endsWith(':fail'));
    if (failing) {
      this.lastFailure.set(this.key(target), failing[0]);
      return { ok: false, message: `service ${failing[0]} exited with code 1`, runtimeState: null };
    }
    this.lastFailure.delete(this.key(target));
    // What ran, by resource: the reference and the id it resolved to (as the Compose driver records them).
    const ran = Object.fromEntries(
      [...wanted.entries()].map(([name, r]) => {
        const ref = String(r.body['image'] ?? '');
        return [name, { ref, id: `sha256:${createHash('sha256').update(ref).digest('hex')}`, repoDigest: null }];
      }),
    );
    return { ok: true, message: `${wanted.size} resources healthy`, runtimeState: { images: ran } };
  }

  async diagnose(target: DeployTarget, unit: DeployUnit): Promise<RuntimeDiagnosis> {
    this.check();
    const failed = this.lastFailure.get(this.key(target));
    const wanted = this.resources(unit);
    const secretValue = [...wanted.values()].flatMap((r) => Object.entries(composeEnvironment(r.body))).find(([k]) => looksSecret(k))?.[1];
    return {
      summary: failed ? `service ${failed} exited with code 1` : 'all services healthy',
      findings: failed
        ? [
            {
              severity: 'warning',
              code: 'RESTARTING',
              resource: { kind: 'Service', name: failed },
              message: 'restarted 3 times',
              evidence: 'restarts=3',
            },
            {
              severity: 'error',
              code: 'CONTAINER_EXITED',
              resource: { kind: 'Service', name: failed },
              message: 'exited with code 1',
              evidence: 'exitCode=1',
            },
          ]
        : [],
      resources: [...wanted.keys()].map((name) => ({
        kind: 'Service',
        name,
        ready: name !== failed,
        status: name === failed ? 'exited' : 'running',
        message: '',
      })),
      // Logs that print a secret, as real applications do: the app layer must mask it. A service's STARTUP_MESSAGE
      // is printed too: what anyone who drafts a release can make a log say.
      logs: failed
        ? [
            {
              resource: failed,
              lines: [
                'starting',
                ...(startupMessage(wanted.get(failed)?.body) ?? []),
                `connecting with password ${secretValue ?? 'none'}`,
                'fatal: boom',
              ],
            },
          ]
        : [],
    };
  }

  /**
   * What runs now: one ready unit per live resource. A resource whose image ends in `:flaky` crashes once it was
   * applied: each observation after the first counts one more restart and finds it not ready.
   */
  async observe(target: DeployTarget): Promise<WorkloadUnit[]> {
    this.check();
    const live = this.live.get(this.key(target)) ?? new Map<string, string>();
    return [...live.entries()].map(([name, json]) => {
      const flaky = String((JSON.parse(json) as Record<string, unknown>)['image'] ?? '').endsWith(':flaky');
      const seen = (this.observations.get(name) ?? -1) + 1;
      this.observations.set(name, seen);
      return { name, ready: !flaky || seen === 0, restarts: flaky ? seen : 0, status: flaky && seen > 0 ? 'restarting' : 'running' };
    });
  }

  /** Changes what runs behind Shipgate's back (for PREVIEW_STALE). */
  tamper(environment: string, application: string): void {
    const key = `${environment}/${application}`;
    const live = this.live.get(key) ?? new Map<string, string>();
    live.set(`intruder-${live.size}`, '{"image":"intruder"}');
    this.live.set(key, live);
  }

  /** Removes one live resource behind Shipgate's back, as `docker rm -f` or `kubectl delete` would. */
  remove(environment: string, application: string, resource: string): void {
    this.live.get(`${environment}/${application}`)?.delete(resource);
  }

  /** Takes away what {@link tamper} added: what runs is the last applied release again. */
  untamper(environment: string, application: string): void {
    const live = this.live.get(`${environment}/${application}`);
    for (const name of live?.keys() ?? []) if (name.startsWith('intruder-')) live!.delete(name);
  }

  private async pause(options: ApplyOptions): Promise<void> {
    if (this.stageDelayMs > 0) await new Promise((r) => setTimeout(r, this.stageDelayMs));
    if (options.signal.aborted) throw new Error('aborted');
  }
}

/** The STARTUP_MESSAGE a service's environment sets, as the one log line it prints. */
function startupMessage(body: Record<string, unknown> | undefined): string[] | null {
  const message = body ? composeEnvironment(body)['STARTUP_MESSAGE'] : undefined;
  return message ? [message] : null;
}
