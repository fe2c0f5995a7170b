// Bundles the `shipgate` CLI into one file with its dependencies: web/dist/cli/shipgate.mjs, runnable with any Node 20+
// (`node shipgate.mjs …`). The server serves it with the web UI, at /cli/shipgate.mjs, for pipelines to download.
import { build } from 'esbuild';

const BANNER = [
  '#!/usr/bin/env node',
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
].join('\n');

await build({
  entryPoints: ['src/cli/shipgate.ts'],
  outfile: 'web/dist/cli/shipgate.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: BANNER },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log('wrote web/dist/cli/shipgate.mjs');
