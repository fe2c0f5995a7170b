import { describe, expect, it } from 'vitest';
import { isShipgateError } from '../errors.js';
import { composeCliText, composeDocument, fromComposeCli } from './compose-spec.js';

function refused(text: string): string {
  try {
    composeDocument(text);
  } catch (error) {
    expect(isShipgateError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`accepted:\n${text}`);
}

const svc = (body: string) => `services:\n  web:\n    image: app:1\n${body}`;

describe('Compose input allowlist', () => {
  it('accepts a plain file and resolves merge keys and anchors before judging', () => {
    const doc = composeDocument(
      `x-common: &common\n  restart: always\n  environment: {A: "1"}\nservices:\n  web:\n    <<: *common\n    image: app:1\n`,
    );
    expect(doc.services['web']).toEqual({ restart: 'always', environment: { A: '1' }, image: 'app:1' });
    expect(Object.keys(doc)).toEqual(['services']);
  });

  it.each([
    ['env_file as a string', svc('    env_file: /etc/passwd\n')],
    ['env_file as a list', svc('    env_file: [/proc/self/environ]\n')],
    ['env_file in long syntax', svc('    env_file:\n      - path: /etc/shadow\n        required: false\n')],
    ['label_file', svc('    label_file: /etc/hostname\n')],
    ['build as a string', svc('    build: .\n')],
    ['build as a map', svc('    build: {context: /, dockerfile: etc/passwd}\n')],
    ['pull_policy build', svc('    pull_policy: build\n')],
    ['service secrets', svc('    secrets: [db]\n')],
    ['develop/watch', svc('    develop: {watch: [{path: /, action: sync, target: /x}]}\n')],
    ['a provider', 'services:\n  web:\n    provider: {type: model}\n'],
    ['a seccomp profile file', svc('    security_opt: ["seccomp=/etc/passwd"]\n')],
    ['a seccomp profile file, colon syntax', svc('    security_opt: ["seccomp:/root/profile.json"]\n')],
    ['credential_spec', svc('    credential_spec: {file: /etc/passwd}\n')],
    ['extends from a file', svc('    extends: {file: /etc/compose.yaml, service: base}\n')],
    ['a fixed container name', svc('    container_name: other-env-web-1\n')],
    ['external links', svc('    external_links: [other_db_1]\n')],
    ['an unknown service key', svc('    make_me_root: true\n')],
    ['include as a list', 'include:\n  - /etc/compose.yaml\nservices:\n  web: {image: app:1}\n'],
    ['include in long syntax', 'include:\n  - path: [/srv/a.yaml]\n    env_file: /etc/passwd\nservices:\n  web: {image: app:1}\n'],
    ['top-level secrets from a file', 'secrets:\n  db: {file: /etc/shadow}\nservices:\n  web: {image: app:1}\n'],
    ['top-level secrets from a variable', 'secrets:\n  db: {environment: SHIPGATE_ADMIN_TOKEN}\nservices:\n  web: {image: app:1}\n'],
    ['configs from a file', 'configs:\n  c: {file: /etc/passwd}\nservices:\n  web: {image: app:1}\n'],
    ['configs from a variable', 'configs:\n  c: {environment: HOME}\nservices:\n  web: {image: app:1}\n'],
    ['an unknown top-level key', 'services:\n  web: {image: app:1}\nmodels:\n  m: {model: x}\n'],
    ['env_file hidden behind a merge key', 'x-base: &base\n  env_file: /etc/passwd\nservices:\n  web:\n    <<: *base\n    image: app:1\n'],
    [
      'build hidden behind a merge list',
      'x-a: &a {build: .}\nx-b: &b {restart: always}\nservices:\n  web:\n    <<: [*b, *a]\n    image: app:1\n',
    ],
    ['a whole service from an anchor', 'x-evil: &evil {image: app:1, env_file: [/etc/passwd]}\nservices:\n  web: *evil\n'],
    ['a relative bind mount', svc('    volumes: ["./data:/data"]\n')],
    ['a home-relative bind mount', svc('    volumes: ["~/.ssh:/root/.ssh:ro"]\n')],
    ['a relative bind in long syntax', svc('    volumes:\n      - type: bind\n        source: ../../etc\n        target: /x\n')],
    ['two documents', 'services:\n  web: {image: app:1}\n---\nservices:\n  db: {image: app:1}\n'],
    ['no services', 'networks: {}\n'],
    ['a list instead of a map', '- services\n'],
  ])('refuses %s', (_what, text) => {
    expect(refused(text)).toBeTruthy();
  });

  it('never lets Compose interpolate: every $ reaches Compose escaped, $$ is a literal $', () => {
    const doc = composeDocument(
      svc(
        '    command: ["echo", "$HOME", "${PATH}", "${DOCKER_HOST:-x}", "$$literal"]\n    environment:\n      A: $SHIPGATE_ADMIN_TOKEN\n',
      ),
    );
    expect(doc.services['web']!['command']).toEqual(['echo', '$HOME', '${PATH}', '${DOCKER_HOST:-x}', '$literal']);
    const text = composeCliText(doc);
    expect(text).toContain('"$$HOME"');
    expect(text).toContain('"$${PATH}"');
    expect(text).toContain('"$$literal"');
    expect(text).not.toMatch(/[^$]\$[^$]/);
    expect(fromComposeCli(JSON.parse(text))).toEqual(doc);
  });

  it('never quotes the source in a YAML error (it may hold rendered secrets)', () => {
    const message = refused('services:\n  web:\n    image: app:1\n    environment: {DB_PASSWORD: "hunter2-canary\n');
    expect(message).not.toContain('hunter2');
  });

  it('refuses alias bombs as a validation failure', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++)
      levels.push(
        `${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(9)
          .fill(`*${'abcdefgh'[i - 1]}`)
          .join(',')}]`,
      );
    expect(refused(`${levels.join('\n')}\nservices:\n  web: {image: app:1}\n`)).toMatch(/alias|YAML/);
  });
});
