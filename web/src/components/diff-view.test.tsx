import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { diffLines } from './diff-lines';
import { ChangeSummary, DiffView } from './diff-view';

const diff =
  '--- live/web\n+++ release/web\n@@ -1,3 +1,3 @@\n environment:\n-  DB_PASSWORD: "********"\n+  DB_PASSWORD: "******** ' +
  '(changed)"\n-image: app:1\n+image: app:2';

describe('diff rendering', () => {
  it('types each line of a unified diff', () => {
    expect(diffLines(diff).map((l) => l.kind)).toEqual(['file', 'file', 'hunk', 'context', 'remove', 'add', 'remove', 'add']);
    expect(diffLines(diff)[6]).toEqual({ kind: 'remove', text: 'image: app:1' });
    expect(diffLines('')).toEqual([]);
  });

  it('renders additions and removals with signs, and no secret', () => {
    const html = renderToStaticMarkup(<DiffView change={{ action: 'update', kind: 'Service', name: 'web', diff }} />);
    expect(html).toContain('badge-action-update');
    expect(html).toContain('Service/web');
    expect(html.match(/diff-add/g)).toHaveLength(2);
    expect(html.match(/diff-remove/g)).toHaveLength(2);
    expect(html).toContain('−');
    expect(html).toContain('******** (changed)');
    expect(html).toContain('open=""');
  });

  it('folds unchanged resources and says so', () => {
    const html = renderToStaticMarkup(<DiffView change={{ action: 'unchanged', kind: 'Service', name: 'db', diff: '' }} />);
    expect(html).not.toContain('open=""');
    expect(html).toContain('No differences.');
  });

  it('summarizes counts in words', () => {
    const html = renderToStaticMarkup(<ChangeSummary summary={{ create: 1, update: 2, delete: 0, unchanged: 3 }} />);
    expect(html).toContain('1 to create');
    expect(html).toContain('2 to update');
    expect(html).toContain('3 unchanged');
  });
});
