import { describe, expect, it } from 'vitest';
import { modelQuestion } from './llm-interpreter.js';

describe("the model's free text", () => {
  it.each([
    'Which environment: staging or production?',
    'Which tag exactly, 1.4.2 or 1.5.0?',
    'Do you mean web or webhooks?',
    'Should I start from the release in production?',
  ])('is shown as a note when it is one short question: %s', (text) => {
    expect(modelQuestion(`  ${text} `)).toBe(text);
  });

  it.each([
    'I have applied it and approved it.',
    'I have applied it and approved it. Anything else?',
    'Done! Deployed web to production.',
    'Applied. Which environment next?',
    'I approved it, which one is next?',
    'Sure thing!',
    `Which environment?\nI already applied it.`,
    `Which ${'very '.repeat(80)}long question?`,
    '',
    null,
    undefined,
  ])('is dropped otherwise: %s', (text) => {
    expect(modelQuestion(text)).toBeNull();
  });
});
