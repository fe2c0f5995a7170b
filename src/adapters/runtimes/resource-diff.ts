import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { canonicalJson } from '../../core/canonical-json.js';

/** A resource as people read it: YAML with sorted keys, empty (null) fields left out. */
export function readableYaml(value: unknown): string {
  return stringify(withoutNulls(JSON.parse(canonicalJson(value))), { lineWidth: 0 });
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/**
 * A unified diff of one resource between what runs (`before`) and what the release wants (`after`), both already
 * masked. `null` stands for "absent".
 */
export function resourceDiff(name: string, before: string | null, after: string | null): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(
    // Headers in the words of a release: what runs now ("current") and what the release brings ("new").
    before === null ? `current: no ${name}` : `current: ${name}`,
    after === null ? `new: ${name} removed` : `new: ${name}`,
    before ?? '',
    after ?? '',
    '',
    '',
    { context: 3 },
  );
  // Drop the "Index"/"====" preamble: the file headers say enough.
  return patch
    .split('\n')
    .filter((line) => !line.startsWith('Index:') && !/^=+$/.test(line))
    .map((line) => line.replace(/\t$/, ''))
    .join('\n')
    .trimEnd();
}
