import { parseAllDocuments } from 'yaml';
import { ShipgateError, type FieldError } from '../errors.js';
import type { ReleaseSpec } from './release.js';

const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REFERENCE = /\$(\$)?\{([^}]*)\}/g;

/** The text of a spec, whichever runtime it is for. */
export function specText(spec: ReleaseSpec): string {
  return 'manifests' in spec ? spec.manifests : spec.compose;
}

/** The same kind of spec with other text. */
export function withSpecText(spec: ReleaseSpec, text: string): ReleaseSpec {
  return 'manifests' in spec ? { manifests: text } : { compose: text };
}

/**
 * Substitutes `${NAME}` references with parameters; `$${NAME}` stays as a literal `${NAME}`.
 * An unknown reference, a malformed parameter name or YAML that does not parse is `VALIDATION_FAILED`.
 * @example renderSpec({ compose: 'image: web:${TAG}' }, { TAG: '1.2' }) // 'image: web:1.2'
 */
export function renderSpec(spec: ReleaseSpec, parameters: Record<string, string>): string {
  const errors: FieldError[] = [];
  for (const name of Object.keys(parameters)) {
    if (!PARAMETER_NAME.test(name)) errors.push({ path: `/parameters/${name}`, message: 'must match [A-Za-z_][A-Za-z0-9_]*' });
  }
  const field = 'manifests' in spec ? '/spec/manifests' : '/spec/compose';
  const rendered = specText(spec).replace(REFERENCE, (match, escaped: string | undefined, name: string) => {
    if (escaped) return match.slice(1);
    if (!PARAMETER_NAME.test(name)) {
      errors.push({ path: field, message: `malformed parameter reference "${match}"` });
      return match;
    }
    const value = parameters[name];
    if (value === undefined) {
      errors.push({ path: field, message: `unknown parameter "${name}"` });
      return match;
    }
    return value;
  });
  if (errors.length === 0) {
    for (const doc of parseAllDocuments(rendered)) {
      for (const error of doc.errors) errors.push({ path: field, message: `YAML: ${error.message}` });
    }
  }
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
  return rendered;
}

/** The YAML documents of a rendered spec as plain data (empty documents dropped). */
export function specDocuments(rendered: string): unknown[] {
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
}
