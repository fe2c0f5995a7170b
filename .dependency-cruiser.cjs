/** Shipgate's architecture: the arrows point inward (adapters → app → ports → core). */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'core/ is the pure domain: it imports only core/ (and no I/O modules)',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(ports|app|adapters|config|main)' },
    },
    {
      name: 'core-has-no-io',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|cluster|worker_threads)$' },
    },
    {
      name: 'ports-point-inward',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/(app|adapters|config|main)' },
    },
    {
      name: 'app-does-not-know-adapters',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(adapters|config|main)' },
    },
    {
      name: 'adapters-reach-only-use-cases',
      comment: 'one door per layer: an adapter calls the Shipgate facade and its use cases, never the context, store, bus or executor behind them',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/app/', pathNot: '^src/app/(shipgate|caller|[a-z-]+\\.use-cases)\\.ts$' },
    },
    {
      name: 'the-command-center-reaches-only-the-facade',
      comment: 'adapters/ai is a channel over the same use cases: from app/ it imports the Shipgate facade and the caller type, nothing else',
      severity: 'error',
      from: { path: '^src/adapters/ai/' },
      to: { path: '^src/app/', pathNot: '^src/app/(shipgate|caller)\\.ts$' },
    },
    {
      name: 'adapters-do-not-know-the-composition-root',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/main' },
    },
    {
      name: 'the-cli-speaks-only-http',
      comment: 'The CLI is a client of the API: it knows the OpenAPI types and nothing of the server inside.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/(core|ports|app|adapters|config|main)' },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
