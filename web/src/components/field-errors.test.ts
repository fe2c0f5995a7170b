import { describe, expect, it } from 'vitest';
import type { Problem } from '../api/client';
import { errorIdOf, fieldErrorsOf, messagesAt } from './field-errors';

/** An error shaped as the client's ApiError. */
const apiError = (problem: Problem) => Object.assign(new Error(problem.detail), { problem });
const problem = (errors: Array<{ path: string; message: string }>) =>
  apiError({ type: 'about:blank', title: 'Bad', status: 400, detail: 'bad', code: 'VALIDATION_FAILED', errors });

describe('fieldErrorsOf', () => {
  it('keys schema errors (under /body) and use-case errors by the same field path', () => {
    const errors = fieldErrorsOf(
      problem([
        { path: '/body/target/project', message: 'must match pattern' },
        { path: '/policy/rules/0/expression', message: 'undeclared reference' },
        { path: '/policy/rules/0/expression', message: 'must be a boolean' },
        { path: '/body', message: 'is not valid JSON' },
      ]),
    );
    expect(errors.get('/target/project')).toEqual(['must match pattern']);
    expect(errors.get('/policy/rules/0/expression')).toEqual(['undeclared reference', 'must be a boolean']);
    expect(errors.get('/')).toEqual(['is not valid JSON']);
  });

  it('has nothing for other errors', () => {
    expect(fieldErrorsOf(new Error('network')).size).toBe(0);
    expect(fieldErrorsOf(apiError({ type: 'x', title: 't', status: 409, detail: 'd', code: 'ALREADY_EXISTS' })).size).toBe(0);
  });
});

describe('messagesAt', () => {
  const errors = fieldErrorsOf(
    problem([
      { path: '/verification', message: 'must be object' },
      { path: '/verification/windowSeconds', message: 'must be >= 1' },
      { path: '/verificationX', message: 'other field' },
    ]),
  );

  it('gives a field its own messages, and those of the fields inside it when asked', () => {
    expect(messagesAt(errors, '/verification')).toEqual(['must be object']);
    expect(messagesAt(errors, '/verification', { nested: true })).toEqual(['must be object', 'must be >= 1']);
    expect(messagesAt(errors, '/promotion/from')).toEqual([]);
  });

  it('names the message element after the path', () => {
    expect(errorIdOf('/policy/rules/0/expression')).toBe('error-policy-rules-0-expression');
  });
});
