import { describe, expect, it } from 'vitest';
import type { Environment } from '../../api/client';
import { NEW_ENVIRONMENT, createBodyOf, draftOf, fromLocalInput, settingsOf, toLocalInput } from './environment-draft';

const production: Environment = {
  name: 'production',
  runtime: 'kubernetes',
  target: { namespace: 'shop', context: 'prod' },
  production: true,
  approval: { required: true, minApprovers: 2, allowSelfApproval: false, ticketTtlSeconds: 86400, rollbackWithoutApproval: true },
  previewTtlSeconds: 900,
  applyTimeoutSeconds: 600,
  freezeWindows: [{ start: '2026-12-24T00:00:00.000Z', end: '2026-12-27T00:00:00.000Z', reason: 'holidays' }],
  policy: {
    profile: 'baseline',
    allowHostPaths: ['/srv/data', '/var/log'],
    rules: [{ id: 'no-latest', severity: 'deny', message: 'pin images', expression: 'images.all(i, !i.endsWith(":latest"))' }],
  },
  promotion: { from: 'staging', soakSeconds: 600 },
  verification: {
    windowSeconds: 60,
    maxRestarts: 1,
    httpProbe: { url: 'https://shop.example/healthz', expectStatus: 204 },
    autoRollback: true,
  },
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

describe('the environment form', () => {
  it('sends back what it was given, unchanged', () => {
    const { name, runtime, createdAt, updatedAt, ...settings } = production;
    void [name, runtime, createdAt, updatedAt];
    expect(settingsOf(draftOf(production))).toEqual(settings);
  });

  it('leaves empty numbers to the server and sends a non-number as typed, for the API to name the field', () => {
    const body = createBodyOf({ ...NEW_ENVIRONMENT, name: ' staging ', project: 'shop', minApprovers: '', previewTtlSeconds: 'abc' });
    expect(body).toMatchObject({ name: 'staging', runtime: 'compose', target: { project: 'shop' }, previewTtlSeconds: Number.NaN });
    expect(body.approval).not.toHaveProperty('minApprovers');
    expect(body).not.toHaveProperty('applyTimeoutSeconds');
    expect(body).toMatchObject({ promotion: null, verification: null, freezeWindows: [] });
  });

  it('sends no HTTP probe when its URL is empty, and one with the expected status otherwise', () => {
    const draft = { ...NEW_ENVIRONMENT, verify: true };
    expect(settingsOf(draft).verification).toEqual({ windowSeconds: 60, maxRestarts: 0, httpProbe: null, autoRollback: false });
    expect(settingsOf({ ...draft, probeUrl: 'http://x/', expectStatus: '' }).verification?.httpProbe).toEqual({ url: 'http://x/' });
  });

  it('round-trips a freeze window through the local date-time of the input', () => {
    const local = toLocalInput('2026-12-24T10:30:00.000Z');
    expect(local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(fromLocalInput(local)).toBe('2026-12-24T10:30:00.000Z');
    expect(fromLocalInput('')).toBe('');
    expect(toLocalInput('not a date')).toBe('');
  });
});
