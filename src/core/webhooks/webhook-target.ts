/**
 * Where a webhook may be sent: an http(s) URL without credentials whose host is a public address. The address rules
 * are written once here; the HTTP adapter applies them to the URL at creation and to every address the host resolves
 * to at delivery (so a name that later resolves to a private address is refused too).
 */

/** Why a URL is refused; the `reason` of its `VALIDATION_FAILED`. */
export const WEBHOOK_TARGET_REFUSALS = [
  'WEBHOOK_URL_INVALID',
  'WEBHOOK_URL_SCHEME',
  'WEBHOOK_URL_CREDENTIALS',
  'WEBHOOK_URL_PRIVATE',
  'WEBHOOK_URL_UNRESOLVABLE',
] as const;
export type WebhookTargetRefusal = (typeof WEBHOOK_TARGET_REFUSALS)[number];

/** A refused URL: the reason code and what a person is told. */
export interface TargetRefused {
  ok: false;
  reason: WebhookTargetRefusal;
  message: string;
}

/** A URL that may be sent to once its host's addresses pass {@link forbiddenRangeOf}. */
export interface ParsedTarget {
  ok: true;
  url: URL;
  /** The host as the URL parser normalized it, without brackets or a trailing dot. */
  host: string;
  /** True when the host is an IP address (nothing to resolve); false for a name. */
  literal: boolean;
}

/** The longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/**
 * Parses and normalizes a webhook URL (the WHATWG parser turns `127.1`, `0x7f000001` and `2130706433` into
 * `127.0.0.1`) and refuses other schemes and credentials; a host named `localhost` is a loopback address.
 * @example parseWebhookUrl('http://good@127.0.0.1/') // { ok: false, reason: 'WEBHOOK_URL_CREDENTIALS', … }
 */
export function parseWebhookUrl(text: string): ParsedTarget | TargetRefused {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refused('WEBHOOK_URL_INVALID', 'is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refused('WEBHOOK_URL_SCHEME', 'must be an http or https URL');
  if (url.username !== '' || url.password !== '') return refused('WEBHOOK_URL_CREDENTIALS', 'must not carry credentials');
  const bracketed = url.hostname.startsWith('[');
  const host = (bracketed ? url.hostname.slice(1, -1) : url.hostname).replace(/\.$/, '');
  if (host === '') return refused('WEBHOOK_URL_INVALID', 'has no host');
  const literal = bracketed || parseIpv4(host) !== null;
  if (!literal && (host === 'localhost' || host.endsWith('.localhost'))) {
    return refused('WEBHOOK_URL_PRIVATE', `names a loopback host (${host})`);
  }
  return { ok: true, url, host, literal };
}

/** The refusal of a host address in a special-purpose range, or null when it is public. */
export function privateAddressRefusal(host: string, address: string): TargetRefused | null {
  const range = forbiddenRangeOf(address);
  if (range === null) return null;
  const where = host === address ? address : `${host} (${address})`;
  return refused('WEBHOOK_URL_PRIVATE', `points to a ${range} address: ${where}`);
}

/** A refusal for `reason`. */
export function refused(reason: WebhookTargetRefusal, message: string): TargetRefused {
  return { ok: false, reason, message };
}

/** An address range a webhook may not reach, by what it is. */
type Range = { first: bigint; bits: number; what: string };

const V4_RANGES: Range[] = [
  v4('0.0.0.0', 8, 'unspecified'),
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'carrier-grade NAT'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'documentation'),
  v4('192.88.99.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'benchmarking'),
  v4('198.51.100.0', 24, 'documentation'),
  v4('203.0.113.0', 24, 'documentation'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'),
];

const V6_RANGES: Range[] = [
  v6('::', 128, 'unspecified'),
  v6('::1', 128, 'loopback'),
  v6('64:ff9b:1::', 48, 'local-use NAT64'),
  v6('100::', 64, 'discard'),
  v6('2001::', 32, 'tunnel'),
  v6('2001:db8::', 32, 'documentation'),
  v6('fc00::', 7, 'unique-local'),
  v6('fe80::', 10, 'link-local'),
  v6('fec0::', 10, 'site-local'),
  v6('ff00::', 8, 'multicast'),
];

/** IPv6 forms that carry an IPv4 address, judged by that address: mapped, compatible, NAT64 and 6to4. */
const V4_CARRIERS: Array<{ first: bigint; bits: number; shift: bigint }> = [
  { first: parseIpv6('::ffff:0:0')!, bits: 96, shift: 0n },
  { first: parseIpv6('::')!, bits: 96, shift: 0n },
  { first: parseIpv6('64:ff9b::')!, bits: 96, shift: 0n },
  { first: parseIpv6('2002::')!, bits: 16, shift: 80n },
];

/**
 * What kind of special-purpose address `address` is (loopback, private, link-local, unique-local, carrier-grade NAT,
 * multicast, unspecified, …, IPv4 forms inside IPv6 included), or null for a public address. Anything that does not
 * parse as an address is refused too.
 * @example forbiddenRangeOf('::ffff:127.0.0.1') // 'loopback'
 */
export function forbiddenRangeOf(address: string): string | null {
  const plain = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4value = parseIpv4(plain);
  if (v4value !== null) return rangeOf(v4value, 32, V4_RANGES);
  const v6value = parseIpv6(plain);
  if (v6value === null) return 'unparsable';
  const ownRange = rangeOf(v6value, 128, V6_RANGES);
  if (ownRange !== null) return ownRange;
  for (const carrier of V4_CARRIERS) {
    if (inPrefix(v6value, 128, carrier.first, carrier.bits)) {
      return rangeOf((v6value >> carrier.shift) & 0xffff_ffffn, 32, V4_RANGES);
    }
  }
  return null;
}

function rangeOf(value: bigint, width: number, ranges: Range[]): string | null {
  return ranges.find((r) => inPrefix(value, width, r.first, r.bits))?.what ?? null;
}

function inPrefix(value: bigint, width: number, first: bigint, bits: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === first >> shift;
}

function v4(address: string, bits: number, what: string): Range {
  return { first: parseIpv4(address)!, bits, what };
}

function v6(address: string, bits: number, what: string): Range {
  return { first: parseIpv6(address)!, bits, what };
}

/** A dotted-quad IPv4 address (the form the URL parser and the resolver give), or null. */
function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

/** An IPv6 address (compressed, and with a dotted IPv4 tail), or null. */
function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let groups = text;
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const value = parseIpv4(tail[1]!);
    if (value === null) return null;
    groups = `${text.slice(0, tail.index + 1)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}
