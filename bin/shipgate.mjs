#!/usr/bin/env node
// The `shipgate` CLI: from its TypeScript sources in a checkout (with tsx), else compiled (`npm run build`, dist/),
// else the single-file bundle the server hands out (web/dist/cli/shipgate.mjs).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/shipgate.ts', import.meta.url);
const compiled = new URL('../dist/cli/shipgate.js', import.meta.url);
const tsx = existsSync(sources) ? await import('tsx/esm/api').catch(() => null) : null;
if (tsx) {
  tsx.register();
  await import(sources.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  await import(new URL('../web/dist/cli/shipgate.mjs', import.meta.url).href);
}
