import { describe, expect, it } from 'vitest';
import { durationInWords, perDayInWords, percentInWords, totalsOf, windowDaysOf } from './insight-words';

describe('insights in words', () => {
  it('says a duration in its two largest units', () => {
    expect(durationInWords(null)).toBe('no data');
    expect(durationInWords(0.4)).toBe('0 s');
    expect(durationInWords(45)).toBe('45 s');
    expect(durationInWords(60)).toBe('1 min');
    expect(durationInWords(5400)).toBe('1 h 30 min');
    expect(durationInWords(7200)).toBe('2 h');
    expect(durationInWords(86_400 + 4 * 3600 + 59)).toBe('1 d 4 h');
    expect(durationInWords(3 * 86_400 + 120)).toBe('3 d');
  });

  it('says rates and frequencies briefly', () => {
    expect(percentInWords(null)).toBe('no data');
    expect(percentInWords(0)).toBe('0 %');
    expect(percentInWords(4 / 9)).toBe('44 %');
    expect(perDayInWords(4 / 30)).toBe('0.13');
    expect(perDayInWords(2)).toBe('2');
  });

  it('reads the window from the address, falling back to 30 days on anything the API would refuse', () => {
    expect(windowDaysOf('7')).toBe(7);
    expect(windowDaysOf('365')).toBe(365);
    for (const raw of [null, '', '0', '366', '1.5', 'abc', '1e400']) expect(windowDaysOf(raw), String(raw)).toBe(30);
  });

  it('totals the daily series', () => {
    const day = (succeeded: number, failed: number, rolledBack: number) => ({ day: '2026-03-01', succeeded, failed, rolledBack });
    expect(totalsOf([day(1, 0, 2), day(3, 1, 0)])).toEqual({ succeeded: 4, failed: 1, rolledBack: 2, all: 7 });
  });
});
