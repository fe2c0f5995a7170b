import { describe, expect, it } from 'vitest';
import { MASK, maskParameters, redactDeep, secretValuesOf } from './secret-masking.js';

describe('secret masking', () => {
  it('finds Compose, Kubernetes and parameter secrets', () => {
    const compose = 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: hunter22\n      LOG_LEVEL: debug\n  api:\n    environment:\n      - API_TOKEN=tok-123456\n';
    expect(secretValuesOf(compose, { DB_KEY: 'keyvalue', TAG: '1.2.3' }).sort()).toEqual(['hunter22', 'keyvalue', 'tok-123456']);
    const k8s = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: aHVudGVyMjI=\nstringData:\n  other: plain-secret\n';
    expect(secretValuesOf(k8s, {})).toEqual(expect.arrayContaining(['aHVudGVyMjI=', 'hunter22', 'plain-secret']));
  });

  it('redacts every occurrence in nested data', () => {
    const out = redactDeep({ a: ['x hunter22 y'], b: { c: 'hunter22' }, n: 1 }, ['hunter22']);
    expect(out).toEqual({ a: [`x ${MASK} y`], b: { c: MASK }, n: 1 });
    expect(maskParameters({ DB_PASSWORD: 'p', TAG: '1' })).toEqual({ DB_PASSWORD: MASK, TAG: '1' });
  });
});
