import type { Release } from '../../../core/release/release.js';
import { releaseCard } from '../cards.js';
import { short, words } from '../reply-words.js';
import { ask, type IntentHandler, type TurnScope } from './intent-handler.js';
import { subject } from './release-subject.js';

/** How many releases an environment's overview reads (newest first), and how many cards it shows. */
const OVERVIEW_RELEASES = 200;
const OVERVIEW_CARDS = 6;

/** The environment a question is about: the one named, else the conversation's release's; read-checked first. */
async function environmentFor(scope: TurnScope, named: string | undefined, what: string): Promise<{ name: string } | { ask: string }> {
  const name = named ?? (await subject(scope))?.environment;
  if (!name) {
    const envs = (await scope.shipgate.environments.list(scope.caller)).items.map((e) => e.name);
    return { ask: `${what} which environment: ${envs.join(', ')}?` };
  }
  // Through its use case: one the caller may not read is refused as the API refuses it.
  return { name: (await scope.shipgate.environments.get(scope.caller, name)).name };
}

/** A release's parameters in a few words (masked already by the view). */
function parametersOf(r: Release): string {
  const pairs = Object.entries(r.parameters).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? ` (${pairs.join(', ')})` : '';
}

/** What runs in an environment: each application's last succeeded release, then what is in flight or waiting there. */
export const showEnvironment: IntentHandler<'show_environment'> = async (scope, args) => {
  const env = await environmentFor(scope, args.environment, 'What runs in');
  if ('ask' in env) return ask(env.ask);
  const { items } = await scope.shipgate.releases.list(scope.caller, { environment: env.name, limit: OVERVIEW_RELEASES });
  const running = new Map<string, Release>();
  for (const r of items) if (r.state === 'succeeded' && !running.has(r.application)) running.set(r.application, r);
  const moving = items.filter((r) => r.state === 'applying' || r.state === 'pending_approval' || r.state === 'approved');
  if (running.size === 0 && moving.length === 0) return ask(`Nothing has been released to ${env.name} yet.`);
  const runs = [...running.values()].map((r) => `${r.application} runs release ${short(r.id)}${parametersOf(r)} since ${r.updatedAt}`);
  const inFlight = moving.map((r) => `${r.application} release ${short(r.id)} is ${words(r.state)}`);
  const reply = [
    runs.length > 0 ? `In ${env.name}: ${runs.join('; ')}.` : `Nothing has succeeded in ${env.name} yet.`,
    inFlight.length > 0 ? ` Also: ${inFlight.join('; ')}.` : '',
  ].join('');
  return { reply, actions: [...running.values(), ...moving].slice(0, OVERVIEW_CARDS).map(releaseCard) };
};

/** Whether what runs in an environment drifted from its last succeeded releases (one application's, if named). */
export const showDrift: IntentHandler<'show_drift'> = async (scope, args) => {
  const env = await environmentFor(scope, args.environment, 'Check drift in');
  if ('ask' in env) return ask(env.ask);
  const { items } = await scope.shipgate.drift.list(scope.caller, env.name);
  const shown = args.application ? items.filter((d) => d.application === args.application) : items;
  if (shown.length === 0) {
    return ask(
      args.application
        ? `Nothing of ${args.application} has succeeded in ${env.name}, so there is nothing to drift from.`
        : `Nothing has succeeded in ${env.name} yet.`,
    );
  }
  const drifted = shown.filter((d) => d.status !== 'in_sync');
  const lines = shown.map((d) => {
    if (d.status === 'in_sync') return `${d.application} is in sync with release ${short(d.releaseId)}`;
    if (d.status === 'unknown') return `${d.application} could not be checked (${d.message ?? 'the runtime did not answer'})`;
    const changes = d.changes.map((c) => `${c.action} ${c.kind}/${c.name}`).join(', ');
    return `${d.application} is ${words(d.status)} from release ${short(d.releaseId)}${changes ? `: ${changes}` : ''}`;
  });
  const next = drifted.length > 0 ? ' To put back what was released, draft it again and preview it, or roll it back.' : '';
  return { reply: `In ${env.name}: ${lines.join('; ')}.${next}`, actions: [] };
};
