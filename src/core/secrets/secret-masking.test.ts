import { describe, expect, it } from 'vitest';
import { ShipgateError } from '../errors.js';
import { MASK, maskParameters, redactDeep, redactText, secretValuesOf, withoutSecrets } from './secret-masking.js';

describe('secret masking', () => {
  it('finds Compose, Kubernetes and parameter secrets', () => {
    const compose =
      'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: hunter22\n      LOG_LEVEL: debug\n  api:\n    environment:\n      - ' +
      'API_TOKEN=tok-123456\n';
    expect(secretValuesOf(compose, { DB_KEY: 'keyvalue', TAG: '1.2.3' }).sort()).toEqual(['hunter22', 'keyvalue', 'tok-123456']);
    const k8s = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: aHVudGVyMjI=\nstringData:\n  other: plain-secret\n';
    expect(secretValuesOf(k8s, {})).toEqual(expect.arrayContaining(['aHVudGVyMjI=', 'hunter22', 'plain-secret']));
  });

  it('redacts every occurrence in nested data', () => {
    const out = redactDeep({ a: ['x hunter22 y'], b: { c: 'hunter22' }, n: 1 }, ['hunter22']);
    expect(out).toEqual({ a: [`x ${MASK} y`], b: { c: MASK }, n: 1 });
    expect(maskParameters({ DB_PASSWORD: 'p', TAG: '1' }, [])).toEqual({ DB_PASSWORD: MASK, TAG: '1' });
  });

  it('masks by value: a secret under an innocent name, URL passwords, multi-line secrets', () => {
    const compose = 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: renamed-canary\n      DSN: postgres://app:pw@db:5432/x\n';
    const secrets = secretValuesOf(compose, { PW: 'renamed-canary', HOOK: 'https://tok-abc123@hooks.example/x' });
    expect(secrets).toEqual(expect.arrayContaining(['renamed-canary', 'tok-abc123']));
    expect(maskParameters({ PW: 'renamed-canary', DSN: 'postgres://app:pw@db/x', TAG: '1' }, secrets)).toEqual({
      PW: MASK,
      DSN: `postgres://app:${MASK}@db/x`,
      TAG: '1',
    });
    for (const url of ['redis://:s3@cache:6379', 'amqp://u:p@mq', 'HTTPS://User:Pass@Host/path', 'git+ssh://x:y@h']) {
      expect(redactText(`connect ${url} now`, [])).not.toMatch(/:(s3|p|Pass|y)@/);
    }
    expect(redactText('https://example.com/a@b and mailto:x@y', [])).toBe('https://example.com/a@b and mailto:x@y');
    const pem = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAAAAB3NzaC1yc2EAAAADAQABAAABgQC\n-----END KEY-----';
    const k8s = `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  key: ${JSON.stringify(pem)}\n`;
    const lines = secretValuesOf(k8s, {});
    const shown = redactText('key: |\n    MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n    AAAAB3NzaC1yc2EAAAADAQABAAABgQC\n', lines);
    expect(shown).not.toContain('MIIEvQ');
    expect(shown).not.toContain('AAAAB3');
  });

  it('masks secrets a runtime quoted in an error', () => {
    const raw = new ShipgateError('VALIDATION_FAILED', 'Secret "db" is invalid: data.pw: "hunter22-canary" is not base64', {
      errors: [{ path: '/spec/manifests', message: 'data.pw: "hunter22-canary"' }],
    });
    const shown = withoutSecrets(raw, ['hunter22-canary']) as ShipgateError;
    expect(shown.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify([shown.detail, shown.metadata])).not.toContain('hunter22');
    const other = new Error('x');
    expect(withoutSecrets(other, ['x'])).toBe(other);
  });
});
