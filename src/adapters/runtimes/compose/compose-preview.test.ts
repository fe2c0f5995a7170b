import { describe, expect, it } from 'vitest';
import type { DeployTarget } from '../../../ports/runtime-driver.js';
import { labelledModel, type ComposeModel } from './compose-model.js';
import { composeChanges } from './compose-preview.js';
import type { ContainerState } from './docker-engine.js';

const target: DeployTarget = { environment: 'staging', application: 'shop', target: { project: 'stg' } };
const project = 'stg-shop';
const desired: ComposeModel = labelledModel(
  { services: { web: { image: 'web:1', environment: { API_TOKEN: 'tok-123' } } } },
  target,
  project,
);

/** The container Compose would have made of the desired service, in `status`. */
function container(status: string, name = 'stg-shop-web-1'): ContainerState {
  return {
    id: `id-${name}`,
    name,
    service: 'web',
    image: 'web:1',
    imageId: 'sha256:1',
    labels: desired.services['web']!.labels ?? {},
    status,
    running: status === 'running',
    exitCode: status === 'exited' ? 137 : 0,
    oomKilled: false,
    restartCount: 0,
    error: '',
    health: null,
    healthLog: [],
    hasHealthcheck: false,
    startedAt: null,
    finishedAt: null,
  };
}

const changesWith = (containers: ContainerState[]) =>
  composeChanges(desired, containers, project, ['tok-123'], new Map([['web', 'sha256:1']]));

describe('composeChanges', () => {
  it('leaves a running service as it is, and one its restart policy brings back', () => {
    expect(changesWith([container('running')])).toEqual([{ action: 'unchanged', kind: 'Service', name: 'web', diff: '' }]);
    expect(changesWith([container('restarting')])[0]!.action).toBe('unchanged');
  });

  it('shows a container stopped, paused or dead behind its back as an update naming its state', () => {
    for (const status of ['exited', 'paused', 'dead', 'created']) {
      expect(changesWith([container(status)]), status).toEqual([
        { action: 'update', kind: 'Service', name: 'web', diff: `state: running → ${status} (container stg-shop-web-1)` },
      ]);
    }
    const [replica] = changesWith([container('running'), container('exited', 'stg-shop-web-2')]);
    expect(replica).toMatchObject({ action: 'update', diff: 'state: running → exited (container stg-shop-web-2)' });
  });

  it('shows a removed container as a service to create, its secrets masked', () => {
    const [created] = changesWith([]);
    expect(created).toMatchObject({ action: 'create', kind: 'Service', name: 'web' });
    expect(created!.diff).toContain('image: web:1');
    expect(created!.diff).not.toContain('tok-123');
  });
});
