import { describe, expect, it } from 'vitest';
import { parametersOf, rowsOf } from './parameter-fields';

describe('parameter rows of the New release form', () => {
  it('become the API parameters with names trimmed and nameless rows dropped', () => {
    expect(
      parametersOf([
        { key: ' TAG ', value: '1.4.2' },
        { key: '', value: 'lost' },
        { key: 'REPLICAS', value: '' },
      ]),
    ).toEqual({ TAG: '1.4.2', REPLICAS: '' });
  });

  it('come from the last release, one row per parameter', () => {
    expect(rowsOf({ TAG: '1', MODE: 'blue' })).toEqual([
      { key: 'TAG', value: '1' },
      { key: 'MODE', value: 'blue' },
    ]);
  });
});
