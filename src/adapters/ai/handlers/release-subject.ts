import type { Release, ReleaseState } from '../../../core/release/release.js';
import type { TurnScope } from './intent-handler.js';

/** A release to act on, or the question to ask instead. */
export type Resolved = { release: Release } | { ask: string };

/** Which release a question is about: by id, or by application and environment; all optional. */
interface ReleaseQuery {
  releaseId?: string;
  application?: string;
  environment?: string;
}

const WHICH_RELEASE = 'Which release? Name the application and environment, or give its id.';

/** The conversation's subject, read again with the caller's permission (null when there is none). */
export async function subject({ shipgate, caller, turn }: TurnScope): Promise<Release | null> {
  return turn.state.releaseId ? shipgate.releases.get(caller, turn.state.releaseId) : null;
}

/** Makes a release the subject: only ever called with what a read-checked use case returned. */
function remember({ turn }: TurnScope, release: Release): Release {
  if (turn.state.releaseId !== release.id) turn.record({ type: 'subject', releaseId: release.id });
  return release;
}

/** The release a preview, submit or apply is about: the one named, or the conversation's; read-checked first. */
export async function target(scope: TurnScope, explicit: string | undefined, question: string): Promise<Resolved> {
  const id = explicit ?? scope.turn.state.releaseId;
  if (!id) return { ask: question };
  return { release: remember(scope, await scope.shipgate.releases.get(scope.caller, id)) };
}

/**
 * The release a question is about: by id, by application and environment (newest, preferring `states`), or the
 * conversation's. An environment is read through its use case first, so one the caller may not read is refused
 * as the API refuses it, and nothing of it is remembered.
 */
export async function resolveRelease(
  scope: TurnScope,
  query: ReleaseQuery,
  states: readonly ReleaseState[] = [],
  question = WHICH_RELEASE,
): Promise<Resolved> {
  const { shipgate, caller } = scope;
  if (query.releaseId) return { release: remember(scope, await shipgate.releases.get(caller, query.releaseId)) };
  if (query.application || query.environment) {
    const current = query.application && query.environment ? null : await subject(scope);
    const application = query.application ?? current?.application;
    const environment = query.environment ?? current?.environment;
    if (!application || !environment) return { ask: question };
    const env = await shipgate.environments.get(caller, environment);
    const list = await shipgate.releases.list(caller, { application, environment: env.name, limit: 50 });
    const found = list.items.find((r) => states.includes(r.state)) ?? list.items[0];
    return found ? { release: remember(scope, found) } : { ask: `There is no release of ${application} in ${env.name}.` };
  }
  const current = await subject(scope);
  return current ? { release: current } : { ask: question };
}
