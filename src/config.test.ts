import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const ADMIN = 'sgt_a_long_enough_admin_token_1234';

describe('loadConfig', () => {
  it('refuses an admin token shorter than 24 characters, without echoing it', () => {
    const short = 'dev-admin-token';
    expect(() => loadConfig({ SHIPGATE_ADMIN_TOKEN: short })).toThrow(/SHIPGATE_ADMIN_TOKEN must be at least 24 characters/);
    try {
      loadConfig({ SHIPGATE_ADMIN_TOKEN: short });
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
    expect(() => loadConfig({ SHIPGATE_ADMIN_TOKEN: 'x'.repeat(23) })).toThrow(/at least 24/);
    expect(loadConfig({ SHIPGATE_ADMIN_TOKEN: 'x'.repeat(24) }).adminToken).toBe('x'.repeat(24));
    expect(loadConfig({ SHIPGATE_ADMIN_TOKEN: '' }).adminToken).toBeNull();
    expect(loadConfig({}).adminToken).toBeNull();
  });

  it('reads the stream and request limits with their defaults and bounds', () => {
    const defaults = loadConfig({ SHIPGATE_ADMIN_TOKEN: ADMIN });
    expect(defaults.streams).toEqual({ maxSeconds: 3_600, maxPerToken: 10, maxTotal: 1_000 });
    expect(defaults.rateLimitPerMinute).toBe(3_000);
    expect(defaults.authFailuresPerMinute).toBe(60);
    const set = loadConfig({
      SHIPGATE_STREAM_MAX_SECONDS: '60',
      SHIPGATE_STREAM_MAX_PER_TOKEN: '3',
      SHIPGATE_STREAM_MAX_TOTAL: '50',
      SHIPGATE_RATE_LIMIT_PER_MINUTE: '0',
      SHIPGATE_AUTH_FAILURES_PER_MINUTE: '5',
    });
    expect(set.streams).toEqual({ maxSeconds: 60, maxPerToken: 3, maxTotal: 50 });
    expect(set.rateLimitPerMinute).toBe(0);
    expect(set.authFailuresPerMinute).toBe(5);
    for (const [name, value] of [
      ['SHIPGATE_STREAM_MAX_SECONDS', '0'],
      ['SHIPGATE_STREAM_MAX_SECONDS', '86401'],
      ['SHIPGATE_STREAM_MAX_PER_TOKEN', '1.5'],
      ['SHIPGATE_STREAM_MAX_TOTAL', 'lots'],
      ['SHIPGATE_RATE_LIMIT_PER_MINUTE', '-1'],
      ['SHIPGATE_RATE_LIMIT_PER_MINUTE', 'off'],
      ['SHIPGATE_AUTH_FAILURES_PER_MINUTE', '1e9'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name} must be an integer from`));
    }
  });

  it('checks for drift every 300 seconds unless told otherwise; 0 turns it off; anything else refuses to start', () => {
    expect(loadConfig({}).driftIntervalSeconds).toBe(300);
    expect(loadConfig({ SHIPGATE_DRIFT_INTERVAL_SECONDS: '0' }).driftIntervalSeconds).toBe(0);
    expect(loadConfig({ SHIPGATE_DRIFT_INTERVAL_SECONDS: '60' }).driftIntervalSeconds).toBe(60);
    for (const value of ['-1', '1.5', 'often', '86401'])
      expect(() => loadConfig({ SHIPGATE_DRIFT_INTERVAL_SECONDS: value }), value).toThrow(
        /SHIPGATE_DRIFT_INTERVAL_SECONDS must be an integer from 0/,
      );
  });

  it('applies 8 releases at once per process unless told otherwise, from 1 to 256', () => {
    expect(loadConfig({}).executorConcurrency).toBe(8);
    expect(loadConfig({ SHIPGATE_EXECUTOR_CONCURRENCY: '32' }).executorConcurrency).toBe(32);
    for (const value of ['0', '-4', '2.5', 'many', '257', '1e3', ' 8x'])
      expect(() => loadConfig({ SHIPGATE_EXECUTOR_CONCURRENCY: value }), value).toThrow(
        /SHIPGATE_EXECUTOR_CONCURRENCY must be an integer from 1 to 256/,
      );
  });

  it('links webhook messages to SHIPGATE_PUBLIC_URL, by default where the server listens; private webhook targets are opt-in', () => {
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl).toBe('http://0.0.0.0:9000');
    expect(loadConfig({ SHIPGATE_PUBLIC_URL: 'https://shipgate.example.com/' }).publicUrl).toBe('https://shipgate.example.com');
    expect(loadConfig({ SHIPGATE_PUBLIC_URL: 'https://example.com/shipgate/' }).publicUrl).toBe('https://example.com/shipgate');
    for (const value of ['shipgate.example.com', 'ftp://example.com', 'https://user:pw@example.com', 'https://example.com/?a=1'])
      expect(() => loadConfig({ SHIPGATE_PUBLIC_URL: value }), value).toThrow(/SHIPGATE_PUBLIC_URL must be/);
    expect(loadConfig({}).webhookAllowPrivate).toBe(false);
    expect(loadConfig({ SHIPGATE_WEBHOOK_ALLOW_PRIVATE: '1' }).webhookAllowPrivate).toBe(true);
    expect(loadConfig({ SHIPGATE_WEBHOOK_ALLOW_PRIVATE: '0' }).webhookAllowPrivate).toBe(false);
    expect(() => loadConfig({ SHIPGATE_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(/SHIPGATE_WEBHOOK_ALLOW_PRIVATE must be 1 or 0/);
  });

  it('reads OpenID Connect sign-in and the trusted CI issuers, refusing anything but https issuers (http on loopback)', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(loadConfig({}).trustedIssuers).toEqual([]);
    const oidc = {
      SHIPGATE_OIDC_ISSUER: 'https://idp.example.com/realms/acme',
      SHIPGATE_OIDC_CLIENT_ID: 'shipgate',
      SHIPGATE_OIDC_CLIENT_SECRET: 's3cret',
      SHIPGATE_PUBLIC_URL: 'https://shipgate.example.com',
    };
    expect(loadConfig(oidc).oidc).toEqual({
      issuer: 'https://idp.example.com/realms/acme',
      clientId: 'shipgate',
      clientSecret: 's3cret',
      name: 'idp.example.com',
      scopes: 'openid profile email',
      redirectUri: 'https://shipgate.example.com/auth/callback',
    });
    expect(loadConfig({ ...oidc, SHIPGATE_OIDC_NAME: 'Acme SSO' }).oidc?.name).toBe('Acme SSO');
    expect(() => loadConfig({ ...oidc, SHIPGATE_OIDC_CLIENT_SECRET: '' })).toThrow(
      /needs SHIPGATE_OIDC_CLIENT_ID and SHIPGATE_OIDC_CLIENT_SECRET/,
    );
    expect(() => loadConfig({ ...oidc, SHIPGATE_OIDC_ISSUER: 'http://idp.example.com' })).toThrow(/an issuer must be an https URL/);
    expect(loadConfig({ ...oidc, SHIPGATE_OIDC_ISSUER: 'http://127.0.0.1:9000' }).oidc?.issuer).toBe('http://127.0.0.1:9000');

    const trusted = [{ issuer: 'https://token.actions.githubusercontent.com', audience: 'https://shipgate.example.com' }];
    expect(loadConfig({ SHIPGATE_TRUSTED_ISSUERS: JSON.stringify(trusted) }).trustedIssuers).toEqual(trusted);
    for (const value of [
      '{',
      '{}',
      '[{"issuer":"https://x"}]',
      '[{"issuer":"http://x.example","audience":"a"}]',
      '[{"issuer":"https://x","audience":"a","extra":1}]',
    ])
      expect(() => loadConfig({ SHIPGATE_TRUSTED_ISSUERS: value }), value).toThrow(/SHIPGATE_TRUSTED_ISSUERS/);
  });

  it('leaves /metrics open without SHIPGATE_METRICS_TOKEN, and refuses a short one without echoing it', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ SHIPGATE_METRICS_TOKEN: '' }).metricsToken).toBeNull();
    const token = 'm'.repeat(24);
    expect(loadConfig({ SHIPGATE_METRICS_TOKEN: token }).metricsToken).toBe(token);
    for (const bad of ['scrape-me-please', `${'m'.repeat(20)} with spaces`]) {
      expect(() => loadConfig({ SHIPGATE_METRICS_TOKEN: bad })).toThrow(/SHIPGATE_METRICS_TOKEN must be at least 24 characters/);
      expect(() => loadConfig({ SHIPGATE_METRICS_TOKEN: bad })).not.toThrow(bad);
    }
  });
});
