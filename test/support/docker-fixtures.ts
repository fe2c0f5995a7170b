import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The engine the tests use: the one `scripts/setup-docker.sh` started, unless DOCKER_HOST says otherwise. */
export const TEST_DOCKER_HOST = process.env['DOCKER_HOST'] ?? 'unix:///var/lib/shipgate-test-docker/docker.sock';

export async function docker(args: string[], options: { input?: string; cwd?: string } = {}): Promise<string> {
  if (options.input === undefined) {
    const { stdout } = await run('docker', args, {
      env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST },
      cwd: options.cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  }
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST }, cwd: options.cwd });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker ${args.join(' ')}: ${err}`))));
    child.stdin.end(options.input);
  });
}

const BUSYBOX_TOOLS = ['sh', 'ls', 'cat', 'echo', 'sleep', 'true', 'false', 'env', 'test', 'touch', 'rm', 'date', 'kill'];

/**
 * Local test images, built without a registry: a busybox root filesystem imported as a base, then `app:1`,
 * `app:2` and `app:3` built FROM it with the legacy builder (each a distinct image id).
 */
export async function ensureTestImages(): Promise<void> {
  const have = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  if (!have.includes('shipgate-test/busybox:base')) {
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-rootfs-'));
    try {
      mkdirSync(join(dir, 'bin'), { recursive: true });
      mkdirSync(join(dir, 'tmp'));
      mkdirSync(join(dir, 'etc'));
      copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
      for (const tool of BUSYBOX_TOOLS) symlinkSync('busybox', join(dir, 'bin', tool));
      const tar = await new Promise<Buffer>((resolve, reject) => {
        const child = spawn('tar', ['-C', dir, '-c', '.']);
        const chunks: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => chunks.push(c));
        child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error('tar failed'))));
      });
      await new Promise<void>((resolve, reject) => {
        const child = spawn('docker', ['import', '-', 'shipgate-test/busybox:base'], {
          env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST },
        });
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error('docker import failed'))));
        child.stdin.end(tar);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const version of ['1', '2', '3']) {
    if (have.includes(`shipgate-test/app:${version}`)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-image-'));
    try {
      writeFileSync(
        join(dir, 'Dockerfile'),
        `FROM shipgate-test/busybox:base\nENV APP_VERSION=${version}\nLABEL org.opencontainers.image.version=${version}\nCMD ["sh", ` +
          `"-c", "echo app ${version} up; exec sleep 86400"]\n`,
      );
      await run('docker', ['build', '-q', '-t', `shipgate-test/app:${version}`, dir], {
        env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST, DOCKER_BUILDKIT: '0' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * A Compose file of one `web` service on a test image: quick to stop, healthy at once, with `environment` (where a
 * test puts a secret to look for) and `extra` lines of the service.
 */
export function webCompose(image: string, environment: Record<string, string>, extra = ''): string {
  const variables = Object.entries(environment)
    .map(([name, value]) => `      ${name}: ${value}\n`)
    .join('');
  return `services:
  web:
    image: ${image}
    init: true
    stop_grace_period: 1s
    environment:
${variables}    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
${extra}`;
}

/** Removes every container of a Compose project (test cleanup). */
export async function removeProject(project: string): Promise<void> {
  const ids = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
  if (ids) await docker(['rm', '-f', ...ids.split('\n')]);
  await docker(['network', 'rm', `${project}_default`]).catch(() => undefined);
}

/** True when the test engine answers. */
export function dockerConfigured(): boolean {
  return TEST_DOCKER_HOST.startsWith('unix://') ? existsSync(TEST_DOCKER_HOST.slice(7)) : true;
}
