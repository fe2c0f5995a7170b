export interface DiffLine {
  kind: 'add' | 'remove' | 'context' | 'hunk' | 'file';
  text: string;
}

/** Splits a unified diff into typed lines for display (file headers, hunks, additions, removals, context). */
export function diffLines(diff: string): DiffLine[] {
  if (!diff) return [];
  return diff.split('\n').map((line): DiffLine => {
    if (line.startsWith('+++') || line.startsWith('---')) return { kind: 'file', text: line };
    if (line.startsWith('@@')) return { kind: 'hunk', text: line };
    if (line.startsWith('+')) return { kind: 'add', text: line.slice(1) };
    if (line.startsWith('-')) return { kind: 'remove', text: line.slice(1) };
    return { kind: 'context', text: line.startsWith(' ') ? line.slice(1) : line };
  });
}
