// Builds what `npm start` runs when it is missing or older than its sources: the server (dist/, compiled with its
// source maps), the web UI (web/dist) and the CLI bundle the server hands out (web/dist/cli/shipgate.mjs).
// `--force` builds all three whatever their age (`npm run build`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const force = process.argv.includes('--force');

/** The newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
const stale = (output, ...sources) => force || !existsSync(output) || statSync(output).mtimeMs < Math.max(...sources);
const run = (what, script, args) => {
  console.log(`Building ${what}…`);
  execFileSync(process.execPath, [join(root, script), ...args], { stdio: 'inherit', cwd: root });
};

// The server: tsc writes only what changed, so a stamp written after a good build says how recent it is.
const serverStamp = join(root, 'dist', '.built');
if (stale(serverStamp, newest(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs)) {
  run('the server', 'node_modules/typescript/bin/tsc', ['-p', join(root, 'tsconfig.build.json')]);
  writeFileSync(serverStamp, `${new Date().toISOString()}\n`);
}

const web = join(root, 'web', 'dist', 'index.html');
if (stale(web, newest(join(root, 'web', 'src')), statSync(join(root, 'web', 'index.html')).mtimeMs)) {
  run('the web UI', 'node_modules/vite/bin/vite.js', ['build', '--config', join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn']);
}

// The CLI bundle, served at /cli/shipgate.mjs (vite empties web/dist, so it is checked after the web UI).
const cli = join(root, 'web', 'dist', 'cli', 'shipgate.mjs');
if (stale(cli, newest(join(root, 'src', 'cli')))) run('the CLI', 'scripts/build-cli.mjs', []);
