import type { Problem } from '../api/client';

/** The API's field errors of a failed save, by the JSON pointer of the field in the request body (`/policy/rules/0/expression`). */
export type FieldErrors = ReadonlyMap<string, string[]>;

const NONE: FieldErrors = new Map();

/** A field error's path in the request body: schema errors name the body (`/body/target/project`), the use cases do not. */
export function fieldPathOf(path: string): string {
  if (path === '/body' || path === '') return '/';
  return path.startsWith('/body/') ? path.slice('/body'.length) : path;
}

/**
 * The field errors of a 400 problem, keyed by {@link fieldPathOf}: a schema error and a use case's error of one field land
 * under the same key.
 * @example fieldErrorsOf(error).get('/promotion/from') // ['an environment cannot promote from itself']
 */
export function fieldErrorsOf(error: unknown): FieldErrors {
  // Duck-typed, not `instanceof ApiError`: this module stays free of the client (and testable without a window).
  const problem = error && typeof error === 'object' && 'problem' in error ? (error.problem as Problem) : null;
  if (!problem?.errors?.length) return NONE;
  const byPath = new Map<string, string[]>();
  for (const { path, message } of problem.errors) {
    const key = fieldPathOf(path);
    byPath.set(key, [...(byPath.get(key) ?? []), message]);
  }
  return byPath;
}

/** The messages for a field, its own and those of fields inside it (`/verification` also shows `/verification/windowSeconds`). */
export function messagesAt(errors: FieldErrors, path: string, options: { nested?: boolean } = {}): string[] {
  const own = errors.get(path) ?? [];
  if (!options.nested) return own;
  const inside = [...errors].filter(([p]) => p.startsWith(`${path}/`)).flatMap(([, messages]) => messages);
  return [...own, ...inside];
}

/** The DOM id of a field's error message, for `aria-describedby`. */
export function errorIdOf(path: string): string {
  return `error${path.replaceAll('/', '-')}`;
}
