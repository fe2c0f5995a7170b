import { describe, expect, it } from 'vitest';
import { forbiddenRangeOf, parseWebhookUrl, privateAddressRefusal } from './webhook-target.js';

/** What the URL rules say of a URL whose host needs no resolving: its refusal reason, or null when it may be sent to. */
function verdict(text: string): string | null {
  const target = parseWebhookUrl(text);
  if (!target.ok) return target.reason;
  if (!target.literal) return null;
  return privateAddressRefusal(target.host, target.host)?.reason ?? null;
}

describe('where a webhook may be sent', () => {
  it('refuses every spelling of loopback, private, link-local, CGNAT, multicast and unspecified addresses', () => {
    const hostile = [
      'http://127.0.0.1/',
      'http://127.1',
      'http://0x7f000001',
      'http://0x7f.0.0.1',
      'http://2130706433',
      'http://017700000001',
      'http://0177.0.0.1',
      'http://127.0.0.1.',
      'http://[::1]',
      'http://[::ffff:127.0.0.1]',
      'http://[::ffff:7f00:1]',
      'http://[0:0:0:0:0:ffff:127.0.0.1]',
      'http://[::127.0.0.1]',
      'http://[64:ff9b::127.0.0.1]',
      'http://[2002:7f00:1::]',
      'http://localhost',
      'http://localhost.',
      'http://LOCALHOST:8080/',
      'http://api.localhost',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]',
      'http://10.0.0.1',
      'http://172.16.0.1',
      'http://172.31.255.255',
      'http://192.168.1.1',
      'http://100.64.0.1',
      'http://[fc00::1]',
      'http://[fd12:3456::1]',
      'http://224.0.0.1',
      'http://[ff02::1]',
      'http://255.255.255.255',
      'http://0',
      'http://0.0.0.0',
      'http://[::]',
    ];
    for (const url of hostile) expect(verdict(url), url).toBe('WEBHOOK_URL_PRIVATE');
  });

  it('refuses credentials in the URL, other schemes and what is no URL', () => {
    expect(verdict('http://good@127.0.0.1')).toBe('WEBHOOK_URL_CREDENTIALS');
    expect(verdict('http://good@example.com')).toBe('WEBHOOK_URL_CREDENTIALS');
    expect(verdict('https://user:pw@example.com/hook')).toBe('WEBHOOK_URL_CREDENTIALS');
    expect(verdict('http://:pw@example.com/')).toBe('WEBHOOK_URL_CREDENTIALS');
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://example.com', 'ws://example.com'])
      expect(verdict(url), url).toBe('WEBHOOK_URL_SCHEME');
    for (const url of ['example.com/hook', '', 'http://', 'http://[::1']) expect(verdict(url), url).toBe('WEBHOOK_URL_INVALID');
  });

  it('accepts http(s) URLs of public addresses and host names (those are resolved before use)', () => {
    for (const url of [
      'https://hooks.slack.com/services/T0/B0/x',
      'http://93.184.216.34/hook',
      'https://[2606:4700::1111]/',
      'http://8.8.8.8:8080/x',
    ])
      expect(verdict(url), url).toBeNull();
    expect(parseWebhookUrl('https://Example.COM./hook')).toMatchObject({ ok: true, host: 'example.com', literal: false });
  });

  it('judges resolved addresses, IPv4 forms inside IPv6 and zone ids included', () => {
    expect(forbiddenRangeOf('127.0.0.53')).toBe('loopback');
    expect(forbiddenRangeOf('::ffff:10.0.0.1')).toBe('private');
    expect(forbiddenRangeOf('fe80::1%eth0')).toBe('link-local');
    expect(forbiddenRangeOf('100.127.255.255')).toBe('carrier-grade NAT');
    expect(forbiddenRangeOf('100.128.0.1')).toBeNull();
    expect(forbiddenRangeOf('172.32.0.1')).toBeNull();
    expect(forbiddenRangeOf('2001:4860:4860::8888')).toBeNull();
    expect(forbiddenRangeOf('::ffff:8.8.8.8')).toBeNull();
    expect(forbiddenRangeOf('not-an-address')).toBe('unparsable');
    expect(privateAddressRefusal('rebound.example', '127.0.0.1')?.message).toBe(
      'points to a loopback address: rebound.example (127.0.0.1)',
    );
  });
});
