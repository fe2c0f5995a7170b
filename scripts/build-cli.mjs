// Bundles the `shipgate` CLI into one file with its dependencies: web/dist/cli/shipgate.mjs, runnable with any Node 20+
// (`node shipgate.mjs …`). The server serves it with the web UI, at /cli/shipgate.mjs, for pipelines to download.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/shipgate.ts'],
  outfile: 'web/dist/cli/shipgate.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log('wrote web/dist/cli/shipgate.mjs');
