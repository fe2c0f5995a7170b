import { describe, expect, it } from 'vitest';
import { CHANGING_ACTIONS, type ActionName } from './ai-actions.js';
import { StatementGate, holds } from './model-statements.js';

const none = new Set<ActionName>();

describe("a model's sentences about actions", () => {
  it.each([
    'I have applied it and approved it.',
    'Done! Deployed web to production.',
    'Done!',
    'The release is now live in production.',
    'I rolled it back to the last good release.',
    'Approval granted.',
    'It has been taken care of.',
    'I cancelled the draft.',
    'I submitted it for approval.',
    'I drafted a release of web.',
    'I rolled web back.',
    'It is running in production now.',
    'The rollout succeeded.',
    'I pushed it to production.',
    'It has approval.',
    'I d\u0435ployed it.',
    'I de\u200Bployed it.',
  ])('are withheld when nothing made them true: %s', (sentence) => {
    expect(holds(sentence, none)).toBe(false);
  });

  it.each([
    ['I cancelled the draft.', 'cancel_release'],
    ['I submitted it for approval.', 'submit_release'],
    ['I drafted a release of web and previewed it.', 'draft_release'],
    ['Done.', 'preview_release'],
  ] as Array<[string, ActionName]>)('hold when an action of the message made them true: %s', (sentence, action) => {
    expect(holds(sentence, new Set([action]))).toBe(true);
  });

  it.each([
    'Web looks healthy in staging: all services are up.',
    'Which environment do you mean, staging or production?',
    'Two releases wait for approval.',
  ])('hold when they claim no action: %s', (sentence) => {
    expect(holds(sentence, none)).toBe(true);
  });

  it('are never claims of apply or approval, whatever ran', () => {
    const all = new Set<ActionName>(CHANGING_ACTIONS);
    for (const s of ['I applied it.', 'It is approved.', 'Deployed to production.', 'I rolled it back.'])
      expect(holds(s, all), s).toBe(false);
  });
});

describe('the statement gate', () => {
  it('passes on whole sentences as they complete, withholding the false ones, whatever the pieces', () => {
    const passed: string[] = [];
    const gate = new StatementGate(none, (s) => passed.push(s));
    const text = 'Web runs 1.4.2 in staging. I have applied it! Which tag next?\nIt looks healthy';
    for (let i = 0; i < text.length; i += 3) gate.push(text.slice(i, i + 3));
    expect(passed).toEqual(['Web runs 1.4.2 in staging.', 'Which tag next?']);
    gate.flush();
    expect(passed.at(-1)).toBe('It looks healthy');
    expect(gate.withheld).toBe(1);
    expect(gate.note).toBe('Web runs 1.4.2 in staging. Which tag next? It looks healthy');
  });

  it('cuts a long note', () => {
    const gate = new StatementGate(none, () => undefined);
    gate.push(`${'All good here. '.repeat(100)}`);
    gate.flush();
    expect(gate.note.length).toBeLessThanOrEqual(600);
    expect(gate.note.endsWith('…')).toBe(true);
  });
});
