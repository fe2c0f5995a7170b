import { describe, expect, it } from 'vitest';
import type { Change } from '../preview/preview.js';
import { driftEventData, driftFingerprint, driftStatusOf, driftView, nextDrift, type DriftRecord } from './drift.js';

const change = (action: Change['action'], name = 'web', diff = action === 'unchanged' ? '' : `-a\n+${name}`): Change => ({
  action,
  kind: 'Service',
  name,
  diff,
});
const subject = (releaseId = 'r1', checkedAt = '2026-11-26T15:00:00.000Z') => ({
  environment: 'staging',
  application: 'shop',
  releaseId,
  checkedAt,
});

describe('drift', () => {
  it('is in sync when nothing differs, missing when everything would be created again, else drifted', () => {
    expect(driftStatusOf([])).toBe('in_sync');
    expect(driftStatusOf([change('unchanged'), change('unchanged', 'db')])).toBe('in_sync');
    expect(driftStatusOf([change('create'), change('create', 'db')])).toBe('missing');
    expect(driftStatusOf([change('create'), change('unchanged', 'db')])).toBe('drifted');
    expect(driftStatusOf([change('update')])).toBe('drifted');
    expect(driftStatusOf([change('unchanged'), change('delete', 'intruder')])).toBe('drifted');
  });

  it('fingerprints what differs: unchanged resources do not count, the release and each diff do', () => {
    const drifted = [change('update'), change('unchanged', 'db')];
    expect(driftFingerprint('r1', drifted)).toBe(driftFingerprint('r1', [change('update')]));
    expect(driftFingerprint('r1', drifted)).not.toBe(driftFingerprint('r2', drifted));
    expect(driftFingerprint('r1', [change('update', 'web', '-1\n+2')])).not.toBe(
      driftFingerprint('r1', [change('update', 'web', '-1\n+3')]),
    );
    expect(driftFingerprint('r1', [])).toBe(driftFingerprint('r1', [change('unchanged')]));
  });

  it('tells a drift once per fingerprint: checked again it is not new; back in sync and drifted again it is', () => {
    const first = nextDrift(null, { changes: [change('update'), change('unchanged', 'db')] }, subject());
    expect(first.isNew).toBe(true);
    expect(first.record).toMatchObject({ status: 'drifted', changes: [change('update')], message: null });
    const again = nextDrift(first.record, { changes: [change('update')] }, subject('r1', '2026-11-26T15:05:00.000Z'));
    expect(again.isNew).toBe(false);
    expect(again.record.fingerprint).toBe(first.record.fingerprint);
    const synced = nextDrift(again.record, { changes: [change('unchanged')] }, subject());
    expect(synced).toMatchObject({ isNew: false, record: { status: 'in_sync', changes: [] } });
    expect(nextDrift(synced.record, { changes: [change('update')] }, subject()).isNew).toBe(true);
    expect(nextDrift(null, { changes: [] }, subject()).isNew).toBe(false);
  });

  it('keeps what the last check of the same release found when the runtime does not answer', () => {
    const drifted = nextDrift(null, { changes: [change('delete', 'intruder')] }, subject()).record;
    const unknown = nextDrift(drifted, { unreachable: 'the compose runtime cannot be reached' }, subject());
    expect(unknown).toMatchObject({
      isNew: false,
      record: {
        status: 'unknown',
        changes: drifted.changes,
        fingerprint: drifted.fingerprint,
        message: 'the compose runtime cannot be reached',
      },
    });
    // The same drift seen once the runtime answers again is not new.
    expect(nextDrift(unknown.record, { changes: [change('delete', 'intruder')] }, subject()).isNew).toBe(false);
    // What was found of an earlier release says nothing of this one.
    expect(nextDrift(drifted, { unreachable: 'down' }, subject('r2')).record.changes).toEqual([]);
  });

  it('summarizes a drift for the timeline without any diff, and shows a record without its bookkeeping', () => {
    const record: DriftRecord = nextDrift(
      null,
      { changes: [change('update', 'web', '-PASSWORD: x'), change('delete', 'intruder'), change('unchanged', 'db')] },
      subject(),
    ).record;
    const data = driftEventData(record);
    expect(data).toEqual({
      status: 'drifted',
      fingerprint: record.fingerprint,
      summary: { create: 0, update: 1, delete: 1 },
      resources: [
        { action: 'update', kind: 'Service', name: 'web' },
        { action: 'delete', kind: 'Service', name: 'intruder' },
      ],
    });
    expect(JSON.stringify(data)).not.toContain('PASSWORD');
    expect(driftView(record)).toEqual({
      application: 'shop',
      releaseId: 'r1',
      status: 'drifted',
      checkedAt: record.checkedAt,
      changes: record.changes,
      message: null,
    });
  });
});
