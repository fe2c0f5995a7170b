#!/usr/bin/env node
// The `shipgate` CLI: the bundled build when there is one (`npm run build:cli`), else the TypeScript sources.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/shipgate.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/shipgate.ts', import.meta.url).href);
}
