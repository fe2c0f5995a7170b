import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

// Base images made from this machine's own files, for building Shipgate's image where no registry can be reached:
// the Node runtime with npm and what `npm ci` needs to compile a native module, and the docker CLI with Compose.

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The Debian packages of the Node base image: Node and npm, a shell and core tools, and a C++ toolchain for node-gyp. */
const NODE_BASE_PACKAGES = ['nodejs', 'gcc', 'g++', 'make', 'python3', 'ca-certificates', 'coreutils', 'dash', 'bash', 'libc-bin'].concat([
  'sed',
  'grep',
  'findutils',
  'mawk',
  'diffutils',
  'tar',
  'gzip',
]);

function imageExists(tag: string, dockerHost: string): boolean {
  return spawnSync('docker', ['image', 'inspect', tag], { env: { ...process.env, DOCKER_HOST: dockerHost } }).status === 0;
}

/** The installed packages `roots` need, their dependencies followed to the end. */
function packageClosure(roots: string[]): string[] {
  const out = execFileSync(
    'apt-cache',
    ['depends', '--recurse', '--installed', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces'].concat([
      '--no-enhances',
      ...roots,
    ]),
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const names = out.split('\n').filter((line) => line !== '' && !line.startsWith(' ') && !line.startsWith('<'));
  return [...new Set(names)].filter((name) => spawnSync('dpkg-query', ['-W', name]).status === 0);
}

/** Every file and symlink the packages installed (directories come with them). */
function packageFiles(packages: string[]): string[] {
  const files = new Set<string>();
  for (const name of packages) {
    for (const path of execFileSync('dpkg', ['-L', name], { encoding: 'utf8' }).split('\n')) {
      if (!path.startsWith('/') || !existsSync(path) || lstatSync(path).isDirectory()) continue;
      // Through merged /usr (/lib → usr/lib), a file has two names: keep the one without a link on the way.
      files.add(join(realpathSync(dirname(path)), basename(path)).slice(1));
    }
  }
  return [...files];
}

/** Imports a tar of `files` (relative to `/`) plus the tree under `extra` as image `tag`. */
function importImage(tag: string, dockerHost: string, listed: string[], extra: string, recursive: string[] = []): void {
  // Each path once: a second entry would be stored as a hard link to itself.
  const files = [...new Set(listed)].filter((f) => !recursive.some((dir) => f.startsWith(`${dir}/`)));
  const work = mkdtempSync(join(tmpdir(), 'shipgate-base-'));
  try {
    const list = join(work, 'files');
    writeFileSync(list, `${files.join('\n')}\n`);
    const tarball = join(work, 'rootfs.tar');
    const args = ['-cf', tarball, '-C', '/', '--no-recursion', '-T', list, '--recursion', ...recursive, '-C', extra, '.'];
    execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('docker', ['import', '--change', `ENV ${PATH_ENV}`, tarball, tag], {
      env: { ...process.env, DOCKER_HOST: dockerHost },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A folder with the files every base image needs: users, a world-writable /tmp, and npm's settings. */
function commonFiles(npmrc: string): string {
  const extra = mkdtempSync(join(tmpdir(), 'shipgate-base-extra-'));
  mkdirSync(join(extra, 'etc'), { recursive: true });
  mkdirSync(join(extra, 'tmp'), { mode: 0o1777 });
  execFileSync('chmod', ['1777', join(extra, 'tmp')]);
  writeFileSync(
    join(extra, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  writeFileSync(join(extra, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  mkdirSync(join(extra, 'usr', 'etc'), { recursive: true });
  writeFileSync(join(extra, 'usr', 'etc', 'npmrc'), npmrc);
  return extra;
}

/**
 * The Node base image of this machine (`shipgate-test/node-base:<node version>`): Node and npm as installed here,
 * with python3, make and g++ so that `npm ci` can build better-sqlite3 (node-gyp uses the installed headers). Made
 * once; later calls find it.
 */
export function ensureNodeBaseImage(dockerHost: string): string {
  const tag = `shipgate-test/node-base:${process.versions.node}`;
  if (imageExists(tag, dockerHost)) return tag;
  const files = packageFiles(packageClosure(NODE_BASE_PACKAGES));
  // Merged /usr: /bin, /lib, /lib64 and /sbin are links into /usr; the CA bundle is generated, not packaged.
  const links = ['bin', 'lib', 'lib64', 'sbin'].filter((p) => existsSync(`/${p}`) && lstatSync(`/${p}`).isSymbolicLink());
  // Generated, not packaged: the CA bundle, and the compilers' names (cc, c++) that point through /etc/alternatives.
  const alternatives = ['cc', 'c++', 'cpp', 'awk'].flatMap((name) => [`usr/bin/${name}`, `etc/alternatives/${name}`]);
  const generated = ['etc/ssl/certs/ca-certificates.crt', ...alternatives].filter((p) => existsSync(`/${p}`));
  const extra = commonFiles('nodedir=/usr\ncafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n');
  try {
    importImage(tag, dockerHost, [...links, ...files, ...generated], extra, ['usr/lib/node_modules']);
  } finally {
    rmSync(extra, { recursive: true, force: true });
  }
  return tag;
}

/**
 * The docker CLI image of this machine (`shipgate-test/docker-cli:local`): the docker CLI and its Compose v2 plugin,
 * at the paths of the official `docker:cli` images.
 */
export function ensureDockerCliImage(dockerHost: string): string {
  const tag = 'shipgate-test/docker-cli:local';
  if (imageExists(tag, dockerHost)) return tag;
  const cli = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
  const plugin = [join(process.env['DOCKER_CONFIG'] ?? join(process.env['HOME'] ?? '/root', '.docker'), 'cli-plugins', 'docker-compose')]
    .concat(['/usr/libexec/docker/cli-plugins/docker-compose', '/usr/local/libexec/docker/cli-plugins/docker-compose'])
    .find((p) => existsSync(p));
  if (!plugin) throw new Error('the docker Compose plugin is not installed here (bash scripts/setup-docker.sh installs it)');
  const extra = mkdtempSync(join(tmpdir(), 'shipgate-cli-'));
  try {
    const resolve = (p: string) => (lstatSync(p).isSymbolicLink() ? join(p, '..', readlinkSync(p)) : p);
    mkdirSync(join(extra, 'usr', 'local', 'bin'), { recursive: true });
    mkdirSync(join(extra, 'usr', 'local', 'libexec', 'docker', 'cli-plugins'), { recursive: true });
    execFileSync('cp', [resolve(cli), join(extra, 'usr', 'local', 'bin', 'docker')]);
    execFileSync('cp', [resolve(plugin), join(extra, 'usr', 'local', 'libexec', 'docker', 'cli-plugins', 'docker-compose')]);
    importImage(tag, dockerHost, [], extra);
  } finally {
    rmSync(extra, { recursive: true, force: true });
  }
  return tag;
}
