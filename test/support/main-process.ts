import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The compiled server in a process of its own, as `npm start` runs it. */
export interface MainProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with its exit code once it has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `node dist/main.js` (no tsx) with `env` over this process's, and `nodeArgs` for Node (`--cpu-prof`); resolves
 * once it listens (its banner is printed).
 */
export function startMain(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<MainProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', '--max-semi-space-size=4', ...nodeArgs, 'dist/main.js'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening:\n${out}`)), 60_000);
    const check = setInterval(() => {
      if (out.includes('Shipgate is running at')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, output: () => out, exited });
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${out}`));
    });
  });
}

/** SIGTERM, as an orchestrator stops it; resolves with the exit code. */
export async function stopMain(main: MainProcess): Promise<number | null> {
  if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill('SIGTERM');
  return main.exited;
}
