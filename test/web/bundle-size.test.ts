import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The web UI's first load stays small: the browser fetches the entry chunk and what it imports before anything shows,
// and a page's code (CodeMirror above all) is fetched only when that page is opened.

const INITIAL_BUDGET = 300_000;
const LANDING_BUDGET = 320_000;

type Chunk = { file: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[]; src?: string };

const outDir = mkdtempSync(join(tmpdir(), 'shipgate-bundle-'));
let manifest: Record<string, Chunk>;

/** The chunks loaded with `key`: itself and, transitively, its static imports. */
function closure(key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key]?.imports ?? []) closure(dep, seen);
  return seen;
}

const bytes = (keys: Iterable<string>) => [...keys].reduce((sum, key) => sum + statSync(join(outDir, manifest[key]!.file)).size, 0);
const entryKey = () => Object.keys(manifest).find((key) => manifest[key]!.isEntry)!;
const chunkOf = (source: string) => {
  const key = Object.keys(manifest).find((k) => k.endsWith(source));
  if (!key) throw new Error(`no chunk for ${source}`);
  return key;
};

beforeAll(() => {
  // A production build of its own (the test runner's NODE_ENV would give React's development build).
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(
    join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--manifest', 'manifest.json', '--logLevel', 'error'],
    { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'inherit' },
  );
  manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Record<string, Chunk>;
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('web bundle size', () => {
  it(`loads less than ${INITIAL_BUDGET / 1000} kB of JavaScript before the first screen (sign-in or shell)`, () => {
    const initial = bytes(closure(entryKey()));
    console.log(`initial JavaScript: ${(initial / 1000).toFixed(1)} kB`);
    expect(initial).toBeGreaterThan(50_000);
    expect(initial).toBeLessThan(INITIAL_BUDGET);
  });

  it(`opens the Deployments page (the landing page) with less than ${LANDING_BUDGET / 1000} kB in all`, () => {
    const landing = closure(entryKey());
    closure(chunkOf('pages/deployments-page.tsx'), landing);
    const total = bytes(landing);
    console.log(`Deployments page, first visit: ${(total / 1000).toFixed(1)} kB`);
    expect(total).toBeLessThan(LANDING_BUDGET);
  });

  it('loads CodeMirror and the release form only when they are opened', () => {
    const entry = closure(entryKey());
    const landing = closure(chunkOf('pages/deployments-page.tsx'), new Set(entry));
    for (const lazy of ['yaml-editor.tsx', 'new-release-form.tsx']) {
      const key = chunkOf(lazy);
      expect(landing.has(key), `${lazy} is in the first load`).toBe(false);
    }
    const codemirror = Object.keys(manifest).filter((k) => k.includes('@codemirror') || k.includes('codemirror'));
    for (const key of codemirror) expect(landing.has(key), `${key} is in the first load`).toBe(false);
  });

  it('loads uPlot only with the Insights page', () => {
    const landing = closure(chunkOf('pages/deployments-page.tsx'), closure(entryKey()));
    const insights = closure(chunkOf('pages/insights-page.tsx'));
    const uplot = [...insights].filter((key) => readFileSync(join(outDir, manifest[key]!.file), 'utf8').includes('uplot'));
    expect(uplot.length, 'uPlot is in the Insights page').toBeGreaterThan(0);
    for (const key of uplot) expect(landing.has(key), `${key} is in the first load`).toBe(false);
  });
});
