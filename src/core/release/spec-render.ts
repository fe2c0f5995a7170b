import { parseAllDocuments, type YAMLError } from 'yaml';
import { ShipgateError, type FieldError } from '../errors.js';
import { PARAMETER_NAME, follows } from '../names.js';
import type { ReleaseSpec } from './release.js';

const PARAMETER = new RegExp(PARAMETER_NAME.pattern);
const REFERENCE = /\$(\$)?\{([^}]*)\}/g;

/** The text of a spec, whichever runtime it is for. */
export function specText(spec: ReleaseSpec): string {
  return 'manifests' in spec ? spec.manifests : spec.compose;
}

/**
 * Substitutes `${NAME}` references with parameters; `$${NAME}` stays as a literal `${NAME}`.
 * An unknown reference, a malformed parameter name or YAML that does not parse is `VALIDATION_FAILED`.
 * @example renderSpec({ compose: 'image: web:${TAG}' }, { TAG: '1.2' }) // 'image: web:1.2'
 */
export function renderSpec(spec: ReleaseSpec, parameters: Record<string, string>): string {
  const errors: FieldError[] = [];
  for (const name of Object.keys(parameters)) {
    if (!follows(PARAMETER_NAME, name)) errors.push({ path: `/parameters/${name}`, message: `must be ${PARAMETER_NAME.description}` });
  }
  const field = 'manifests' in spec ? '/spec/manifests' : '/spec/compose';
  const rendered = specText(spec).replace(REFERENCE, (match, escaped: string | undefined, name: string) => {
    if (escaped) return match.slice(1);
    if (!PARAMETER.test(name)) {
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
    try {
      specDocumentsOf(rendered, field);
    } catch (error) {
      if (!(error instanceof ShipgateError)) throw error;
      errors.push(...(error.metadata.errors ?? []));
    }
  }
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
  return rendered;
}

/** How many aliases a spec may expand: enough for anchors reused by hand, far too few for a "billion laughs". */
const MAX_ALIAS_COUNT = 200;
/** Documents in one spec. */
const MAX_DOCUMENTS = 500;

/**
 * A YAML error told by its code and position only: the parser's own message quotes the source around the error,
 * and the source is the rendered spec, which may hold secrets.
 */
function yamlProblem(error: YAMLError, field: string): FieldError {
  const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
  return { path: field, message: `YAML: ${error.code.toLowerCase().replaceAll('_', ' ')}${where}` };
}

/**
 * The YAML documents of a rendered spec as plain data (empty documents dropped), with YAML 1.1 merge keys (`<<`)
 * resolved as Compose and Kubernetes tools resolve them. Malformed YAML, alias bombs, documents nested too deep
 * and too many documents are `VALIDATION_FAILED` whose messages never quote the source.
 */
export function specDocumentsOf(rendered: string, field = '/spec'): unknown[] {
  const fail = (message: string): never => {
    throw new ShipgateError('VALIDATION_FAILED', message, { errors: [{ path: field, message }] });
  };
  let values: unknown[];
  try {
    const docs = parseAllDocuments(rendered, { merge: true, uniqueKeys: true, prettyErrors: true });
    if (!Array.isArray(docs)) return [];
    if (docs.length > MAX_DOCUMENTS) fail(`YAML: more than ${MAX_DOCUMENTS} documents`);
    const errors = docs.flatMap((doc) => doc.errors.map((e) => yamlProblem(e, field))).slice(0, 10);
    if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
    values = docs.map((doc) => doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown);
  } catch (error) {
    if (error instanceof ShipgateError) throw error;
    // The parser's own limits (alias count, recursion depth) surface as plain errors: refuse the document.
    const what =
      error instanceof RangeError ? 'the document is nested too deeply' : 'the document expands too many aliases or could not be read';
    return fail(`YAML: ${what}`);
  }
  return values.filter((value) => value !== null && value !== undefined);
}

/** The YAML documents of a rendered spec as plain data; see {@link specDocumentsOf}. */
export function specDocuments(rendered: string): unknown[] {
  return specDocumentsOf(rendered);
}
