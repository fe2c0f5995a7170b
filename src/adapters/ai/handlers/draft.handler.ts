import type { Release } from '../../../core/release/release.js';
import { releaseCard } from '../cards.js';
import { describePreview, short, words } from '../reply-words.js';
import { ask, type IntentHandler, type TurnScope } from './intent-handler.js';
import { nextStep, preview } from './release-steps.js';
import { subject } from './release-subject.js';

/**
 * Drafts a release and previews it. It starts only from the environment the operator named: the last release of
 * the application in the target environment, or — for a promotion the operator asked for — the last succeeded one
 * in the source. It never silently copies another environment's release.
 */
export const draftRelease: IntentHandler<'draft_release'> = async (scope, args) => {
  const { shipgate, caller, turn } = scope;
  const releases = shipgate.releases;
  const application = args.application ?? (await subject(scope))?.application;
  if (!application) return ask('Which application should I deploy?');
  const environment = args.environment;
  if (!environment) {
    const envs = (await shipgate.environments.list(caller)).items.map((e) => e.name);
    return ask(`To which environment should I deploy ${application}: ${envs.join(', ')}?`);
  }
  const from = args.fromEnvironment;
  // Environments first, through their use case: one the caller may not read is refused as the API refuses it.
  await shipgate.environments.get(caller, environment);
  if (from) await shipgate.environments.get(caller, from);
  const base = from ? await lastRelease(scope, application, from, true) : await lastRelease(scope, application, environment, false);
  if (!base) {
    if (from) return ask(`Nothing of ${application} has succeeded in ${from}, so there is nothing to promote.`);
    return ask(await nothingToStartFrom(scope, application, environment));
  }
  // A promotion is the governed kind: images pinned to what ran upstream, provenance kept, soak enforced.
  const created = from
    ? await releases.promote(caller, base.id, { environment, parameters: args.parameters ?? {}, description: args.description })
    : await releases.create(caller, {
        application,
        environment,
        fromReleaseId: base.id,
        parameters: args.parameters ?? {},
        description: args.description,
      });
  turn.record({ type: 'subject', releaseId: created.id });
  const made = await preview(scope, created.id);
  const params = Object.entries(created.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const origin = `release ${short(base.id)} in ${base.environment}${base.state === 'succeeded' ? '' : ` (${words(base.state)})`}`;
  const drafted = `Drafted release ${short(created.id)} of ${application} for ${environment}${params ? ` (${params})` : ''}`;
  const start = created.provenance ? `promoting ${origin}, ${pinnedWords(created)}` : `starting from ${origin}`;
  const next = await nextStep(scope, created);
  return {
    reply: `${drafted}, ${start}. ${describePreview(made.summary)} ${await soakWords(scope, created)}${next.words}`,
    actions: [releaseCard(await releases.get(caller, created.id)), made.card, next.card],
  };
};

/** The images a promotion pinned, in words. */
function pinnedWords(release: Release): string {
  const images = release.provenance?.images ?? [];
  if (images.length === 0) return 'with no images to pin';
  const shown = images.map((i) => `${i.resource}: ${i.pinned.length > 40 ? `${i.pinned.slice(0, 40)}…` : i.pinned}`);
  return `with its images pinned to what ran there (${shown.join(', ')})`;
}

/** When the target takes promotions only after a soak: until when the upstream release must keep running. */
async function soakWords({ shipgate, caller }: TurnScope, release: Release): Promise<string> {
  const rule = (await shipgate.environments.get(caller, release.environment)).promotion;
  if (!rule || !release.provenance || rule.soakSeconds === 0) return '';
  const until = new Date(Date.parse(release.provenance.succeededAt) + rule.soakSeconds * 1000);
  return `${release.environment} accepts it once it has run in ${release.provenance.environment} until ${until.toISOString()}. `;
}

/** The newest succeeded release of an application in one environment; unless `succeededOnly`, else its newest release there. */
async function lastRelease(
  { shipgate, caller }: TurnScope,
  application: string,
  environment: string,
  succeededOnly: boolean,
): Promise<Release | null> {
  const releases = shipgate.releases;
  const succeeded = (await releases.list(caller, { application, environment, state: 'succeeded', limit: 1 })).items[0];
  if (succeeded || succeededOnly) return succeeded ?? null;
  return (await releases.list(caller, { application, environment, limit: 1 })).items[0] ?? null;
}

/** Why nothing was drafted where an application has no release yet, and how to promote one from elsewhere. */
async function nothingToStartFrom({ shipgate, caller }: TurnScope, application: string, environment: string): Promise<string> {
  const succeeded = await shipgate.releases.list(caller, { application, state: 'succeeded', limit: 50 });
  const elsewhere = succeeded.items.map((r) => r.environment).find((e) => e !== environment);
  const promote = elsewhere
    ? ` To bring what runs in ${elsewhere}, say “promote ${application} from ${elsewhere} to ${environment}”; or draft`
    : ' Draft';
  return (
    `There is no release of ${application} in ${environment} to start from, and I do not start from another environment's release ` +
    `unless you name it.${promote} its first release in ${environment} with a spec on the Deployments page.`
  );
}
