import { describe, expect, it } from 'vitest';
import { classifyUpFailure, settleWaitMs } from './compose-apply.js';
import type { ComposeModel } from './compose-model.js';

const PROJECT = 'shop-web';
const model: ComposeModel = {
  name: PROJECT,
  services: {
    web: { image: 'nginx:does-not-exist' },
    'web-worker': { image: 'shipgate-test/app:1' },
    cache: { image: 'redis:7' },
  },
};
const SECRET = 'hunter2-s3cret';

const classify = (text: string, secrets: readonly string[] = []) => classifyUpFailure(text.split('\n'), model, PROJECT, secrets);

describe('classifyUpFailure: what a failed `docker compose up` says went wrong', () => {
  it.each([
    [
      'a registry that does not know the tag (manifest unknown)',
      ` web Pulling \n web Error manifest for nginx:does-not-exist not found: manifest unknown: manifest unknown\n` +
        'Error response from daemon: manifest for nginx:does-not-exist not found: manifest unknown: manifest unknown',
    ],
    [
      'a repository that does not exist or needs a login',
      ` web Pulling \n web Error pull access denied for nginx, repository does not exist or may require 'docker login': ` +
        'denied: requested access to the resource is denied\nError response from daemon: pull access denied for nginx, repository does ' +
        "not exist or may require 'docker login': denied: requested access to the resource is denied",
    ],
    [
      'an engine without a route to the registry',
      ' web Pulling \n web Error Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: ' +
        'no such host\nError response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on ' +
        '10.0.0.53:53: no such host',
    ],
    [
      'a missing image with pulling turned off',
      ' Container shop-web-web-1  Recreate\nError response from daemon: no such image: nginx:does-not-exist: No such image: ' +
        'nginx:does-not-exist',
    ],
    [
      'a newer Compose that names the image in its pull events',
      ' Image nginx:does-not-exist Pulling \n Image nginx:does-not-exist Error manifest unknown',
    ],
    ['a bare "not found" of the image', 'Error response from daemon: nginx:does-not-exist: not found'],
  ])('an image that cannot be pulled: %s → IMAGE_PULL_FAILED on the service', (_what, output) => {
    const finding = classify(output);
    expect(finding).toMatchObject({
      severity: 'error',
      code: 'IMAGE_PULL_FAILED',
      resource: { kind: 'Service', name: 'web' },
      message: 'the image nginx:does-not-exist of service web could not be pulled',
    });
    expect(finding!.evidence).not.toBe('');
    expect(finding!.evidence).not.toMatch(/Pulling$/m);
  });

  it('names the service by its container when the engine refuses it (a port already allocated) → APPLY_REJECTED', () => {
    const finding = classify(
      [
        ' Network shop-web_default  Created',
        ' Container shop-web-web-worker-1  Starting',
        ' web Pulled ',
        'Error response from daemon: driver failed programming external connectivity on endpoint shop-web-web-worker-1 (5b02118a42d3): ' +
          'Bind for 0.0.0.0:18080 failed: port is already allocated',
      ].join('\n'),
    );
    expect(finding).toMatchObject({ code: 'APPLY_REJECTED', resource: { kind: 'Service', name: 'web-worker' } });
    expect(finding!.message).toMatch(/^service web-worker was refused: driver failed .* port is already allocated$/);
  });

  it('reports a refusal that names no service on the project', () => {
    const finding = classify(
      ' Container shop-web-web-1  Creating\n' +
        'Error response from daemon: Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
    );
    expect(finding).toMatchObject({ code: 'APPLY_REJECTED', resource: { kind: 'Project', name: PROJECT } });
    expect(finding!.message).toBe('the project was refused: Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  });

  it('turns --wait running out of time into ROLLOUT_TIMEOUT on the service it still waited for', () => {
    const finding = classify(
      [
        ' Container shop-web-cache-1  Started',
        ' Container shop-web-cache-1  Waiting',
        ' Container shop-web-web-worker-1  Waiting',
        ' Container shop-web-cache-1  Healthy',
        'application not healthy after 20s',
      ].join('\n'),
    );
    expect(finding).toMatchObject({
      code: 'ROLLOUT_TIMEOUT',
      resource: { kind: 'Service', name: 'web-worker' },
      message: 'service web-worker was not running and healthy within the time limit',
    });
    expect(finding!.evidence).toBe('still waiting for shop-web-web-worker-1\napplication not healthy after 20s');
  });

  it.each([
    'container shop-web-web-1 exited (3)',
    'container shop-web-web-1 is unhealthy',
    'dependency failed to start: container shop-web-cache-1 is unhealthy',
  ])('leaves a container that started and then failed to the health findings: %s', (line) => {
    expect(classify(` Container shop-web-web-1  Started\n Container shop-web-web-1  Waiting\n${line}`)).toBeUndefined();
  });

  it('has nothing to say when Compose said nothing but progress and warnings', () => {
    expect(classify(' Container shop-web-web-1  Creating\nWARN[0000] the attribute `version` is obsolete')).toBeUndefined();
  });

  it('does not take a successful pull for a failed one', () => {
    const finding = classify(' cache Pulling \n cache Pulled \nservice "web" refers to undefined volume data: invalid compose project');
    expect(finding).toMatchObject({ code: 'APPLY_REJECTED', resource: { kind: 'Service', name: 'web' } });
  });

  it('masks secrets the output quotes: release secrets, URL passwords and secret query parameters', () => {
    const finding = classify(
      [
        ' web Pulling ',
        ` web Error Head "https://deploy:${SECRET}@registry.example/v2/web/manifests/1?access_token=tok-9f8e7d": unauthorized`,
        `Error response from daemon: pull failed for DB_PASSWORD=${SECRET}: unauthorized: authentication required`,
      ].join('\n'),
      [SECRET],
    );
    expect(finding!.code).toBe('IMAGE_PULL_FAILED');
    const shown = JSON.stringify(finding);
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('tok-9f8e7d');
    expect(finding!.evidence).toContain('https://deploy:********@registry.example');
    expect(finding!.evidence).toContain('DB_PASSWORD=********');
  });

  it('masks a secret an engine refusal echoes', () => {
    const finding = classify(`Error response from daemon: invalid environment variable: DB_PASSWORD=${SECRET} bad`, [SECRET]);
    expect(finding!.code).toBe('APPLY_REJECTED');
    expect(JSON.stringify(finding)).not.toContain(SECRET);
  });
});

describe('settleWaitMs', () => {
  const now = Date.parse('2026-11-26T12:00:10.000Z');
  const at = (ms: number) => new Date(now - ms).toISOString();

  it('waits only what the youngest container without a health check still lacks of a second up', () => {
    expect(settleWaitMs([{ hasHealthcheck: false, startedAt: at(1_500) }], now)).toBe(0);
    expect(settleWaitMs([{ hasHealthcheck: false, startedAt: at(300) }], now)).toBe(700);
    expect(
      settleWaitMs(
        [
          { hasHealthcheck: false, startedAt: at(5_000) },
          { hasHealthcheck: false, startedAt: at(100) },
        ],
        now,
      ),
    ).toBe(900);
  });

  it('ignores containers with a health check (Compose waited for them to be healthy)', () => {
    expect(settleWaitMs([{ hasHealthcheck: true, startedAt: at(0) }], now)).toBe(0);
    expect(settleWaitMs([], now)).toBe(0);
  });

  it('waits the whole second for a start it cannot read, or one ahead of this clock', () => {
    for (const startedAt of [null, 'not a date', '', new Date(now + 5_000).toISOString()]) {
      expect(settleWaitMs([{ hasHealthcheck: false, startedAt }], now), String(startedAt)).toBe(1_000);
    }
  });
});
