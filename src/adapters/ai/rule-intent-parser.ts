import type { Intent, Understanding } from './ai-actions.js';

/** What the parser knows of the world to resolve names: environments and applications the user can read. */
export interface ParseContext {
  environments: readonly string[];
  applications: readonly string[];
}

/** Common names for environments, tried when no environment has the word as its name. */
const ENVIRONMENT_SYNONYMS: Record<string, string[]> = {
  production: ['prod', 'prd', 'live', 'production'],
  staging: ['stage', 'stg', 'staging', 'preprod', 'pre-prod'],
  development: ['dev', 'develop', 'development'],
  qa: ['qa', 'test', 'testing'],
};

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const PARAMETER = /\b([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s,;]+)/g;
const STOP_WORDS = new Set([
  'the', 'a', 'an', 'to', 'into', 'in', 'on', 'for', 'from', 'with', 'and', 'of', 'it', 'please', 'now', 'me', 'my', 'our',
  'release', 'version', 'app', 'application', 'service', 'environment', 'env', 'latest', 'last', 'new', 'again', 'again?',
]);

/** Synonym-aware resolution of one word to an environment name. */
function environmentOf(word: string, context: ParseContext): string[] {
  const w = word.toLowerCase();
  if (context.environments.includes(w)) return [w];
  const canonical = Object.entries(ENVIRONMENT_SYNONYMS).find(([, synonyms]) => synonyms.includes(w))?.[0];
  if (canonical && context.environments.includes(canonical)) return [canonical];
  if (w.length >= 3) return context.environments.filter((env) => env.startsWith(w));
  return [];
}

/** Words of the text (lowercase, punctuation trimmed), parameters and ids removed. */
function words(text: string): string[] {
  return text
    .replace(PARAMETER, ' ')
    .replace(UUID, ' ')
    .toLowerCase()
    .split(/[\s,;!?.()]+/)
    .map((w) => w.replace(/^['"`]+|['"`:]+$/g, ''))
    .filter(Boolean);
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** `web`, `api`… mentioned in the text: known applications first, else the word after the verb. */
function applicationsIn(ws: string[], context: ParseContext, verbIndex: number, environments: Set<string>): { exact: string[]; loose: string[] } {
  const exact = [...new Set(ws.filter((w) => context.applications.includes(w)))];
  if (exact.length > 0) return { exact, loose: [] };
  const candidates = ws.slice(verbIndex + 1).filter((w) => !STOP_WORDS.has(w) && !environments.has(w) && /^[a-z0-9][-a-z0-9]*$/.test(w) && environmentOf(w, context).length === 0);
  const first = candidates[0];
  if (!first) return { exact: [], loose: [] };
  const prefixed = context.applications.filter((a) => a.startsWith(first));
  return prefixed.length > 0 ? { exact: [], loose: prefixed } : { exact: [first], loose: [] };
}

/**
 * The embedded, model-free interpreter: a small grammar with synonyms that maps a message to one action of the
 * fixed set, or asks a question when the message is ambiguous. Deterministic, so it works offline and in CI.
 * @example parseMessage('deploy web to prod with IMAGE_TAG=1.4.2', ctx)
 *   // { kind: 'intent', intent: { action: 'draft_release', args: { application: 'web', environment: 'production', parameters: { IMAGE_TAG: '1.4.2' } } } }
 */
export function parseMessage(text: string, context: ParseContext): Understanding {
  const lower = text.toLowerCase();
  const ws = words(text);
  const releaseId = UUID.exec(text)?.[0]?.toLowerCase();
  const parameters: Record<string, string> = {};
  for (const m of text.matchAll(PARAMETER)) parameters[m[1]!] = unquote(m[2]!);

  // Environments named in the text, with the preposition before each (to/from/in/on).
  const named: Array<{ env: string; prep: string | undefined; word: string }> = [];
  const ambiguous: string[][] = [];
  ws.forEach((w, i) => {
    if (STOP_WORDS.has(w)) return;
    const envs = environmentOf(w, context);
    if (envs.length === 1) named.push({ env: envs[0]!, prep: ws[i - 1], word: w });
    else if (envs.length > 1 && !context.applications.includes(w)) ambiguous.push(envs);
  });
  if (ambiguous.length > 0 && named.length === 0) return { kind: 'question', text: `Which environment do you mean: ${ambiguous[0]!.join(' or ')}?` };
  const envSet = new Set(named.map((n) => n.word));
  const target = (verbIndex: number): Understanding | { application?: string; environment?: string } => {
    const apps = applicationsIn(ws, context, verbIndex, envSet);
    if (apps.loose.length > 1) return { kind: 'question', text: `Which application do you mean: ${apps.loose.join(' or ')}?` };
    if (apps.exact.length > 1) return { kind: 'question', text: `Which application do you mean: ${apps.exact.join(' or ')}?` };
    const envs = [...new Set(named.map((n) => n.env))];
    if (envs.length > 1) return { kind: 'question', text: `Which environment do you mean: ${envs.join(' or ')}?` };
    return { application: apps.exact[0] ?? apps.loose[0], environment: envs[0] };
  };
  const intent = (i: Intent): Understanding => ({ kind: 'intent', intent: i });
  const verbAt = (re: RegExp) => Math.max(0, ws.findIndex((w) => re.test(w)));
  const withTarget = (action: 'show_status' | 'show_timeline' | 'explain_failure' | 'propose_rollback', verb: RegExp): Understanding => {
    if (releaseId) return intent({ action, args: { releaseId } });
    const t = target(verbAt(verb));
    if ('kind' in t) return t;
    return intent({ action, args: { ...(t.application ? { application: t.application } : {}), ...(t.environment ? { environment: t.environment } : {}) } });
  };
  const onRelease = (action: 'preview_release' | 'submit_release' | 'propose_apply'): Understanding => intent({ action, args: releaseId ? { releaseId } : {} });

  if (/^\s*(help|\?|what can you do)/.test(lower)) return { kind: 'help' };
  if (/\b(approve|approved it|sign off|signoff|lgtm|bypass|skip (the )?approval|override)\b/.test(lower) && !/\bapprovals\b/.test(lower)) {
    return { kind: 'refusal', text: 'I cannot approve releases or skip approval. Approvers decide in the Approvals queue, and I can show you what waits there.' };
  }
  if (/\b(submit|request (an )?approval|ask for approval|send (it )?(off )?for approval)\b/.test(lower)) return onRelease('submit_release');
  if (/\b(approvals|wait(s|ing)? for (an )?approval|pending approval|awaiting approval|needs? approval|queue)\b/.test(lower)) return intent({ action: 'list_approvals', args: {} });
  if (/\b(roll ?back|revert|undo)\b/.test(lower)) return withTarget('propose_rollback', /^(roll|rollback|revert|undo|back)$/);
  if (/\b(why|what went wrong|explain|diagnos\w*|what broke|broken|crash\w*)\b/.test(lower)) return withTarget('explain_failure', /^(why|explain|diagnose|wrong)$/);
  if (/\b(timeline|history|events|audit trail|what happened)\b/.test(lower)) return withTarget('show_timeline', /^(timeline|history|events|happened)$/);
  if (/\b(preview|diff|what (would|will) change|dry[- ]?run|plan)\b/.test(lower)) return onRelease('preview_release');
  if (/\b(status|state of|how is|how's|what's running|what is running|progress|where is)\b/.test(lower)) return withTarget('show_status', /^(status|how|what's|running|progress|where)$/);
  if (/\bpromote\b/.test(lower)) {
    const from = named.find((n) => n.prep === 'from')?.env;
    const to = named.find((n) => n.prep === 'to' || n.prep === 'into')?.env ?? named.find((n) => n.env !== from)?.env;
    const apps = applicationsIn(ws, context, verbAt(/^promote$/), envSet);
    if (apps.loose.length > 1 || apps.exact.length > 1) return { kind: 'question', text: `Which application do you mean: ${[...apps.exact, ...apps.loose].join(' or ')}?` };
    if (!from) return { kind: 'question', text: 'Promote from which environment?' };
    if (!to) return { kind: 'question', text: 'Promote to which environment?' };
    const application = apps.exact[0] ?? apps.loose[0];
    return intent({ action: 'draft_release', args: { ...(application ? { application } : {}), environment: to, fromEnvironment: from, parameters } });
  }
  const deployVerb = /\b(deploy|release|ship|roll ?out|push|upgrade|bump|update)\b/;
  const applyWords = /\b(apply|go ahead|execute|do it|proceed|confirm|ship it|deploy it|roll it out|make it so)\b/;
  if (applyWords.test(lower) && named.length === 0 && Object.keys(parameters).length === 0) return onRelease('propose_apply');
  if (deployVerb.test(lower)) {
    const t = target(verbAt(/^(deploy|release|ship|rollout|roll|push|upgrade|bump|update)$/));
    if ('kind' in t) return t;
    return intent({
      action: 'draft_release',
      args: { ...(t.application ? { application: t.application } : {}), ...(t.environment ? { environment: t.environment } : {}), parameters },
    });
  }
  return { kind: 'question', text: 'I did not understand that. Try “deploy web to staging with IMAGE_TAG=1.4.2”, “preview it”, “submit it”, “apply it”, “status of web in production”, “why did web fail in staging”, “roll back web in production” or “what waits for approval”.' };
}
