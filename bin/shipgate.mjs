#!/usr/bin/env node
// The `shipgate` CLI: from its TypeScript sources in a checkout (with tsx), else the bundle `npm run build:cli` makes.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/shipgate.ts', import.meta.url);
const tsx = await import('tsx/esm/api').catch(() => null);
if (tsx && existsSync(sources)) {
  tsx.register();
  await import(sources.href);
} else {
  await import(new URL('../web/dist/cli/shipgate.mjs', import.meta.url).href);
}
