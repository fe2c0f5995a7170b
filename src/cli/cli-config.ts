import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Connection } from './api-client.js';
import { CliError, EXIT } from './exit-codes.js';

/** `$XDG_CONFIG_HOME/shipgate/config.json` (default `~/.config/shipgate/config.json`). */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'shipgate', 'config.json');
}

/** Keeps the server and token of `shipgate login`: a file only its owner may read (0600, in a 0700 folder). */
export function saveConnection(connection: Connection, env: NodeJS.ProcessEnv = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify({ url: connection.url, token: connection.token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** The connection from `SHIPGATE_URL`/`SHIPGATE_TOKEN`, else the login file; a usage error when there is none. */
export function loadConnection(env: NodeJS.ProcessEnv = process.env): Connection {
  let saved: Partial<Connection> = {};
  try {
    const parsed = JSON.parse(readFileSync(configPath(env), 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object') saved = parsed;
  } catch {
    saved = {};
  }
  const url = env['SHIPGATE_URL'] || saved.url;
  const token = env['SHIPGATE_TOKEN'] || saved.token;
  if (!url || !token) {
    throw new CliError('no server to talk to: set SHIPGATE_URL and SHIPGATE_TOKEN, or run `shipgate login --url … --token …`', EXIT.usage);
  }
  if (!/^https?:\/\//.test(url)) throw new CliError(`SHIPGATE_URL must be an http(s) URL, not "${url}"`, EXIT.usage);
  return { url, token };
}
