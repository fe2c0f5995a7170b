import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../audit/timeline-event.js';
import type { Release } from '../release/release.js';
import { DEFAULT_RETRY, eventMessage, linksOf, nextAttemptAt, subscriptionMatches, testMessage } from './webhook.js';

const event = (type: TimelineEvent['type'], environment = 'production', data: Record<string, unknown> = {}): TimelineEvent => ({
  id: '0190a0a0-0000-7000-8000-000000000001',
  seq: 7,
  releaseId: '0190a0a0-0000-7000-8000-00000000000a',
  type,
  at: '2026-11-27T10:00:00.000Z',
  actor: { type: 'user', id: 'dana' },
  channel: 'api',
  release: { application: 'shop', environment, runtime: 'compose', kind: 'deploy' },
  data,
  prevHash: 'x',
  hash: 'y',
});

const release = {
  id: '0190a0a0-0000-7000-8000-00000000000a',
  application: 'shop',
  environment: 'production',
  state: 'pending_approval',
  approval: { status: 'pending' },
} as Release;

describe('webhook subscriptions and messages', () => {
  it('matches an event by its type and environment, ["*"] matching every environment', () => {
    const sub = { events: ['approval.requested' as const], environments: ['production'] };
    expect(subscriptionMatches(sub, event('approval.requested'))).toBe(true);
    expect(subscriptionMatches(sub, event('approval.requested', 'staging'))).toBe(false);
    expect(subscriptionMatches(sub, event('execution.failed'))).toBe(false);
    expect(subscriptionMatches({ ...sub, environments: ['*'] }, event('approval.requested', 'staging'))).toBe(true);
  });

  it('links the release page, and the approval queue while the release waits for a decision', () => {
    expect(linksOf('https://sg.example.com/', release)).toEqual({
      release: 'https://sg.example.com/releases/0190a0a0-0000-7000-8000-00000000000a',
      approval: 'https://sg.example.com/approvals',
    });
    expect(linksOf('https://sg.example.com', { ...release, approval: { ...release.approval, status: 'approved' } })).toEqual({
      release: 'https://sg.example.com/releases/0190a0a0-0000-7000-8000-00000000000a',
    });
  });

  it('shapes a standard message as { type, timestamp, data: { event, release, links } } and a Slack one as text and blocks', () => {
    const links = linksOf('https://sg.example.com', release);
    const e = event('approval.requested');
    expect(eventMessage('standard', { event: e, release, links })).toEqual({
      type: 'approval.requested',
      timestamp: e.at,
      data: { event: e, release, links },
    });
    const slack = eventMessage('slack', {
      event: event('execution.failed', 'production', { message: 'service <web> exited' }),
      release,
      links,
    }) as {
      text: string;
      blocks: Array<Record<string, unknown>>;
    };
    expect(slack.text).toContain('shop → production: execution failed');
    expect(slack.text).toContain(links.release);
    expect(JSON.stringify(slack.blocks)).toContain(`<${links.release}|shop → production: execution failed>`);
    expect(JSON.stringify(slack.blocks)).toContain('service &lt;web&gt; exited');
    expect(slack.blocks.map((b) => b['type'])).toEqual(['section', 'actions', 'context']);
    expect(testMessage('standard', { webhookId: 'w', at: e.at, publicUrl: 'https://sg.example.com' })).toMatchObject({
      type: 'webhook.test',
    });
  });

  it('backs off exponentially with jitter, capped, and gives up past the horizon', () => {
    const created = new Date('2026-11-27T10:00:00Z');
    const delay = (attempts: number, jitter = 0.5, now = created) =>
      (nextAttemptAt(DEFAULT_RETRY, attempts, created, now, jitter)?.getTime() ?? NaN) - now.getTime();
    expect([1, 2, 3, 4].map((a) => delay(a))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(delay(1, 0)).toBe(4_000);
    expect(delay(1, 0.999_999)).toBe(6_000);
    expect(delay(30)).toBe(3_600_000);
    const late = new Date(created.getTime() + DEFAULT_RETRY.horizonMs - 1_000);
    expect(nextAttemptAt(DEFAULT_RETRY, 30, created, late, 0.5)).toBeNull();
  });
});
