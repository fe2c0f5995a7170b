import { MASK, looksSecret, redactText, secretValuesOf, urlCredentials } from '../../core/secrets/secret-masking.js';
import type { Intent, Understanding } from './ai-actions.js';

/** What the parser knows of the world to resolve names: environments and applications the user can read. */
export interface ParseContext {
  environments: readonly string[];
  applications: readonly string[];
  /** The parameter names each application's releases take, for plain-language parameters ("image tag 3"). */
  parameterNames?: Readonly<Record<string, readonly string[]>>;
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
/** Words that name a parameter in plain language, besides the words of the application's own parameter names. */
const PARAMETER_NOUNS = ['tag', 'version', 'image', 'replicas'];
/** Words that may stand before such a noun as part of the name ("image tag", "docker image"). */
const PARAMETER_QUALIFIERS = ['image', 'docker', 'container'];
/** Between a parameter's name and its value. */
const VALUE_SEPARATORS = new Set(['=', ':', 'to', 'as', 'is', 'at']);
/**
 * A value taken as given without quotes: it carries a digit (3, 1.4.2, v2-rc.1) and only the characters of versions,
 * tags and digests. Anything else ("latest-ish", "the new one") is asked for, never guessed.
 */
const EXACT_VALUE = /^(?=.*\d)[A-Za-z0-9][A-Za-z0-9._+:@/-]*$/;
const HEDGED_VALUE = /(^|[-_.])ish$/i;
/** A word after a value that makes it approximate ("1.4 or so", "2-ish"). */
const HEDGES = new Set(['or', 'ish', '-ish', 'something', 'maybe', 'probably', 'roughly', 'approximately', 'about', 'around']);
const STOP_WORDS = new Set([
  'the',
  'a',
  'an',
  'to',
  'into',
  'in',
  'on',
  'for',
  'from',
  'with',
  'and',
  'of',
  'it',
  'please',
  'now',
  'me',
  'my',
  'our',
  'release',
  'version',
  'app',
  'application',
  'service',
  'environment',
  'env',
  'latest',
  'last',
  'new',
  'again',
  'again?',
  // Words of questions about "it": never an application's name.
  'that',
  'this',
  'its',
  'is',
  'was',
  'one',
  'doing',
  'going',
  'did',
  'does',
  'do',
  'fail',
  'failed',
  'wrong',
  'went',
  'what',
  'why',
  'how',
  'show',
  'tell',
  'about',
  'status',
  'timeline',
  'history',
  'events',
  // Words of the other questions: what a release is (a draft), its policy, drift and health.
  'draft',
  'drafts',
  'any',
  'policy',
  'policies',
  'violation',
  'violations',
  'results',
  'compliant',
  'drift',
  'drifted',
  'sync',
  'healthy',
  'health',
  'someone',
  'somebody',
  'change',
  'changed',
  'hand',
]);

/** Words before an environment's name ("in production", "to staging"). */
const ENVIRONMENT_PREPOSITIONS = new Set(['in', 'to', 'into', 'on', 'from']);

/**
 * The environment a common name stands for when the user can read none by that name ("in production"): the
 * use cases then answer as they answer anyone (`FORBIDDEN` without read, whether or not it exists).
 */
function unreadableEnvironmentOf(word: string): string | undefined {
  if (word in ENVIRONMENT_SYNONYMS) return word;
  return Object.entries(ENVIRONMENT_SYNONYMS).find(([, synonyms]) => synonyms.includes(word))?.[0];
}

/** True when `a` becomes `b` by at most one insertion, deletion, substitution or swap of neighbours. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  return swapped || a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}

/** Names one slip of a key away from a word long enough for that to mean something (never the word itself). */
function misspelt(word: string, names: readonly string[]): string[] {
  return word.length >= 5 ? names.filter((n) => n !== word && withinOneEdit(word, n)) : [];
}

/** Synonym-aware resolution of one word to an environment name: exact, common name, prefix, then one slip. */
function environmentOf(word: string, context: ParseContext): string[] {
  const w = word.toLowerCase();
  if (context.environments.includes(w)) return [w];
  const canonical = Object.entries(ENVIRONMENT_SYNONYMS).find(([, synonyms]) => synonyms.includes(w))?.[0];
  const prefixed = w.length >= 3 ? context.environments.filter((env) => env.startsWith(w)) : [];
  // "prod" is production, unless another environment starts with it too (prod-eu): then it is asked.
  if (canonical && context.environments.includes(canonical)) return [canonical, ...prefixed.filter((e) => e !== canonical)];
  if (prefixed.length > 0 || STOP_WORDS.has(w) || context.applications.includes(w)) return prefixed;
  return misspelt(w, context.environments);
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
  return /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** `NAME=value` pairs written out in a message, exactly as written. */
function explicitParameters(text: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const m of text.matchAll(PARAMETER)) parameters[m[1]!] = unquote(m[2]!);
  return parameters;
}

/** A secret named in plain words ("password hunter2", "api key: abc"), outside `NAME=value` pairs. */
const SECRET_WORD = String.raw`(?:password|passwd|passphrase|secret|token|credentials?|(?:api|access|private|secret)[-_ ]key)`;
const SPOKEN_SECRET = new RegExp(String.raw`\b(?:[a-z0-9]+[-_])?${SECRET_WORD}s?\b\s*(?:(?:is|=|:)\s*)?("[^"]*"|'[^']*'|[^\s,;]+)`, 'gi');

/** Values that follow a secret-looking word in plain words: taken as secrets to mask, never as parameters. */
function spokenSecrets(text: string): string[] {
  const values: string[] = [];
  for (const m of text.replace(PARAMETER, ' ').matchAll(SPOKEN_SECRET)) {
    const value = unquote(m[1]!.replace(/[.!?]+$/, ''));
    if (value && !STOP_WORDS.has(value.toLowerCase())) values.push(value);
  }
  return values;
}

/**
 * The secret values a message carries: values of `NAME=value` pairs whose name looks secret, what follows a
 * secret-looking word ("password hunter2") and the credentials of URLs (`scheme://user:password@host`). Longest
 * first, so that one containing another is masked whole.
 */
export function secretsInMessage(text: string): string[] {
  const found = new Set([...secretValuesOf('', explicitParameters(text)), ...spokenSecrets(text), ...urlCredentials(text)]);
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * A message as it may be stored and echoed: the value of every `NAME=value` with a secret-looking name masked
 * (whatever its length), then every secret value and URL password found in it.
 * @example maskMessage('deploy web with DB_PASSWORD=hunter2', ['hunter2']) // 'deploy web with DB_PASSWORD=********'
 */
export function maskMessage(text: string, secrets: readonly string[]): string {
  return redactText(
    text.replace(PARAMETER, (match, name: string) => (looksSecret(name) ? `${name}=${MASK}` : match)),
    secrets,
  );
}

/** A parameter named in plain words ("image tag 3"): its words, and its value when it was given exactly. */
interface SpokenParameter {
  words: string[];
  value: string | null;
}

/** The words of known parameter names that may name a parameter in plain language (secret ones never do). */
function parameterWords(context: ParseContext): { nouns: Set<string>; qualifiers: Set<string> } {
  const nouns = new Set(PARAMETER_NOUNS);
  const qualifiers = new Set(PARAMETER_QUALIFIERS);
  const taken = new Set([...STOP_WORDS, ...context.environments, ...context.applications]);
  for (const names of Object.values(context.parameterNames ?? {})) {
    for (const name of names) {
      if (looksSecret(name)) continue;
      const segments = name
        .toLowerCase()
        .split('_')
        .filter((w) => w.length >= 3 && !taken.has(w));
      const last = segments.pop();
      if (last && name.toLowerCase().endsWith(last)) nouns.add(last);
      for (const w of segments) qualifiers.add(w);
    }
  }
  return { nouns, qualifiers };
}

/**
 * Finds parameters named in plain words: a run of up to three name words ending in a noun, an optional separator
 * ("to", "=", ":"), then the value. Returns them and the text without them (so that a value is never read as an
 * application or environment).
 */
function spokenParameters(text: string, context: ParseContext): { spoken: SpokenParameter[]; rest: string } {
  const tokens = text.replace(PARAMETER, ' ').match(/"[^"]*"|'[^']*'|=|[^\s,;()=]+/g) ?? [];
  const bare = tokens.map((t) => (/^["']/.test(t) ? t : t.replace(/[.!?:]+$/, '')));
  const lower = bare.map((t) => t.toLowerCase());
  const { nouns, qualifiers } = parameterWords(context);
  const isNameWord = (w: string | undefined) => w !== undefined && (nouns.has(w) || qualifiers.has(w));
  const spoken: SpokenParameter[] = [];
  const consumed = new Set<number>();
  for (let i = 0; i < tokens.length; i += 1) {
    if (!isNameWord(lower[i])) continue;
    let end = i;
    while (end < tokens.length && end - i < 3 && isNameWord(lower[end])) end += 1;
    let last = end - 1;
    while (last >= i && !nouns.has(lower[last]!)) last -= 1;
    if (last < i) {
      i = end - 1;
      continue;
    }
    let at = last + 1;
    if (VALUE_SEPARATORS.has(lower[at] ?? '')) at += 1;
    const raw = bare[at];
    const quoted = raw !== undefined && /^(["']).*\1$/s.test(raw);
    const exact = raw !== undefined && (quoted || (EXACT_VALUE.test(raw) && !HEDGED_VALUE.test(raw) && !HEDGES.has(lower[at + 1] ?? '')));
    spoken.push({ words: lower.slice(i, last + 1), value: exact ? unquote(raw) : null });
    for (let k = i; k <= (exact ? at : last); k += 1) consumed.add(k);
    i = exact ? at : last;
  }
  return { spoken, rest: tokens.filter((_, k) => !consumed.has(k)).join(' ') };
}

/**
 * The parameter a spoken name stands for among the application's known names: the name itself (IMAGE_TAG for
 * "image tag"), else the one known name ending in it (IMAGE_TAG for "tag"). Several or none known: a question.
 */
function parameterNameOf(words: string[], known: readonly string[]): { name: string } | { question: string } {
  const candidate = words.join('_').toUpperCase();
  if (known.length === 0 || known.includes(candidate)) return { name: candidate };
  const matches = known.filter((k) => k.endsWith(`_${candidate}`));
  if (matches.length === 1) return { name: matches[0]! };
  const spoken = words.join(' ');
  if (matches.length > 1) return { question: `Which parameter do you mean by “${spoken}”: ${matches.join(' or ')}?` };
  return { question: `Its releases take no parameter called “${spoken}” (they take ${known.join(', ')}). Give it as NAME=value.` };
}

/**
 * The parameters of a draft: the `NAME=value` pairs exactly as written, and each plain-language one resolved to a
 * known name with its exact value. A vague value, an unknown name or two values for one name: a question instead.
 */
function draftParameters(
  text: string,
  spoken: SpokenParameter[],
  known: readonly string[],
): { parameters: Record<string, string> } | { question: string } {
  if (spokenSecrets(text).length > 0) {
    return {
      question:
        'Give secret values as NAME=value (for example DB_PASSWORD=…): I take secrets only that way, so that they stay masked everywhere.',
    };
  }
  const parameters = explicitParameters(text);
  for (const p of spoken) {
    const resolved = parameterNameOf(p.words, known);
    if ('question' in resolved) return resolved;
    const name = resolved.name;
    if (p.value === null) {
      return { question: `Which ${p.words.join(' ')} exactly? Give its value, for example “with ${name}=1.4.2”; I do not guess values.` };
    }
    if (parameters[name] !== undefined && parameters[name] !== p.value) {
      return { question: `Two values for ${name}: ${parameters[name]} or ${p.value}?` };
    }
    parameters[name] = p.value;
  }
  return { parameters };
}

/** `web`, `api`… mentioned in the text: known applications first, else the word after the verb. */
function applicationsIn(
  ws: string[],
  context: ParseContext,
  verbIndex: number,
  environments: Set<string>,
): { exact: string[]; loose: string[] } {
  const exact = [...new Set(ws.filter((w) => context.applications.includes(w)))];
  if (exact.length > 0) return { exact, loose: [] };
  const candidates = ws
    .slice(verbIndex + 1)
    .filter((w) => !STOP_WORDS.has(w) && !environments.has(w) && /^[a-z0-9][-a-z0-9]*$/.test(w) && environmentOf(w, context).length === 0);
  const first = candidates[0];
  if (!first) return { exact: [], loose: [] };
  const prefixed = context.applications.filter((a) => a.startsWith(first));
  if (prefixed.length > 0) return { exact: [], loose: prefixed };
  const slipped = misspelt(first, context.applications);
  return slipped.length > 0 ? { exact: [], loose: slipped } : { exact: [first], loose: [] };
}

/**
 * A version written on its own ("push web v5", "update web to 1.4.2"): with a `v` or a dot, so that a plain count
 * ("3 replicas") is never taken for one.
 */
const BARE_VERSION = /^(?:v\d+(?:\.\d+)*|\d+(?:\.\d+)+)(?:[-+][A-Za-z0-9.]+)?$/i;

/** The bare versions of a text, exactly as written (trailing punctuation aside). */
function bareVersions(text: string): string[] {
  return (text.match(/[^\s,;()]+/g) ?? []).map((t) => t.replace(/[.!?:]+$/, '')).filter((t) => BARE_VERSION.test(t));
}

/** Parameter names that hold a version: `TAG`, `VERSION`, `IMAGE_TAG`, `APP_VERSION`… */
const VERSION_PARAMETER = /(^|_)(TAG|VERSION)$/;

/**
 * A bare version put into the application's one version parameter; with none known or several, a question. The
 * value is kept exactly as written (`v5` stays `v5`).
 */
function withBareVersion(
  parameters: Record<string, string>,
  versions: readonly string[],
  known: readonly string[],
): { parameters: Record<string, string> } | { question: string } {
  if (versions.length === 0) return { parameters };
  const [version] = versions;
  if (versions.length > 1) return { question: `Which version do you mean: ${versions.join(' or ')}?` };
  const names = known.filter((n) => VERSION_PARAMETER.test(n));
  if (names.length === 0) return { question: `Which parameter should take ${version}? Give it as NAME=${version}.` };
  if (names.length > 1) return { question: `Which parameter should take ${version}: ${names.join(' or ')}?` };
  const name = names[0]!;
  if (parameters[name] !== undefined && parameters[name] !== version)
    return { question: `Two values for ${name}: ${parameters[name]} or ${version}?` };
  return { parameters: { ...parameters, [name]: version! } };
}

/** "same as staging", "like prod", "what runs in staging": the environment a draft should copy (a promotion). */
const SAME_AS =
  /\b(?:same as|just like|like|matching|match(?:es)?|as (?:in|on)|what (?:runs|is running|is) (?:in|on))\s+([a-z0-9][-a-z0-9]*)/i;

/**
 * The embedded, model-free interpreter: a small grammar with synonyms that maps a message to one action of the
 * fixed set, or asks a question when the message is ambiguous. Deterministic, so it works offline and in CI.
 * @example parseMessage('deploy web to prod with IMAGE_TAG=1.4.2', ctx)
 * // { kind: 'intent', intent: { action: 'draft_release', args: { application: 'web', environment: 'production', parameters: { IMAGE_TAG:
 * '1.4.2' } } } }
 */
export function parseMessage(text: string, context: ParseContext): Understanding {
  const lower = text.toLowerCase();
  const { spoken, rest } = spokenParameters(text, context);
  const ws = words(rest);
  const releaseId = UUID.exec(text)?.[0]?.toLowerCase();
  const explicit = explicitParameters(text);
  const versions = bareVersions(rest);
  const parametersFor = (application: string | undefined) => {
    const known = (application && context.parameterNames?.[application]) || [];
    const drafted = draftParameters(text, spoken, known);
    return 'question' in drafted ? drafted : withBareVersion(drafted.parameters, versions, known);
  };

  // Environments named in the text, with the preposition before each (to/from/in/on).
  const named: Array<{ env: string; prep: string | undefined; word: string }> = [];
  const ambiguous: string[][] = [];
  ws.forEach((w, i) => {
    if (STOP_WORDS.has(w)) return;
    const envs = environmentOf(w, context);
    const prep = ws[i - 1];
    const unreadable = envs.length === 0 && ENVIRONMENT_PREPOSITIONS.has(prep ?? '') ? unreadableEnvironmentOf(w) : undefined;
    if (envs.length === 1) named.push({ env: envs[0]!, prep, word: w });
    else if (unreadable) named.push({ env: unreadable, prep, word: w });
    else if (envs.length > 1 && !context.applications.includes(w)) ambiguous.push(envs);
  });
  if (ambiguous.length > 0 && named.length === 0)
    return { kind: 'question', text: `Which environment do you mean: ${ambiguous[0]!.join(' or ')}?` };
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
  const verbAt = (re: RegExp) =>
    Math.max(
      0,
      ws.findIndex((w) => re.test(w)),
    );
  const withTarget = (
    action: 'show_status' | 'show_timeline' | 'explain_failure' | 'propose_rollback' | 'cancel_release' | 'check_health' | 'show_policy',
    verb: RegExp,
  ): Understanding => {
    if (releaseId) return intent({ action, args: { releaseId } });
    const t = target(verbAt(verb));
    if ('kind' in t) return t;
    return intent({
      action,
      args: { ...(t.application ? { application: t.application } : {}), ...(t.environment ? { environment: t.environment } : {}) },
    });
  };
  const onRelease = (action: 'preview_release' | 'submit_release' | 'propose_apply'): Understanding =>
    intent({ action, args: releaseId ? { releaseId } : {} });

  if (/^\s*(help|\?|what can you do)/.test(lower)) return { kind: 'help' };
  if (/\b(approve|approved it|sign off|signoff|lgtm|bypass|skip (the )?approval|override)\b/.test(lower) && !/\bapprovals\b/.test(lower)) {
    return {
      kind: 'refusal',
      text: 'I cannot approve releases or skip approval. Approvers decide in the Approvals queue, and I can show you what waits there.',
    };
  }
  if (/\b(cancel|abort|discard|withdraw|scrap|throw away)\b/.test(lower))
    return withTarget('cancel_release', /^(cancel|abort|discard|withdraw|scrap|away)$/);
  if (/\b(submit|request (an )?approval|ask for approval|send (it )?(off )?for approval)\b/.test(lower)) return onRelease('submit_release');
  if (/\b(approvals|wait(s|ing)? for (an )?approval|pending approval|awaiting approval|needs? approval|queue)\b/.test(lower))
    return intent({ action: 'list_approvals', args: {} });
  if (/\b(drift\w*|out of sync|in sync|by hand|manually|manual changes?|hand[- ]?edit\w*)\b/.test(lower)) {
    const t = target(verbAt(/^(drift\w*|sync|changed|manual\w*)$/));
    if ('kind' in t) return t;
    return intent({
      action: 'show_drift',
      args: { ...(t.application ? { application: t.application } : {}), ...(t.environment ? { environment: t.environment } : {}) },
    });
  }
  if (/\b(polic(y|ies)|violations?|compliant|compliance|guard ?rails?)\b/.test(lower))
    return withTarget('show_policy', /^(policy|policies|violations?|compliant|compliance|guardrails?)$/);
  if (/\b(roll ?back|revert|undo)\b/.test(lower)) return withTarget('propose_rollback', /^(roll|rollback|revert|undo|back)$/);
  if (/\b(why|what went wrong|explain|diagnos\w*|what broke|broken|crash\w*)\b/.test(lower))
    return withTarget('explain_failure', /^(why|explain|diagnose|wrong)$/);
  if (/\b(healthy|unhealthy|health|healthcheck)\b/.test(lower) || /^\s*(is|are)\b.*\b(ok|okay|up|alive|working|fine|good)\b/.test(lower))
    return withTarget('check_health', /^(healthy|unhealthy|health|healthcheck|is|are)$/);
  if (/\b(timeline|history|events|audit trail|what happened)\b/.test(lower))
    return withTarget('show_timeline', /^(timeline|history|events|happened)$/);
  const namesApplication = ws.some((w) => context.applications.includes(w));
  if (
    !namesApplication &&
    /\b(what('s| is| are)? (runs?|running|deployed|live|out|installed)|what('s| is) (in|on)|what versions?|overview|inventory)\b/.test(
      lower,
    )
  ) {
    const envs = [...new Set(named.map((n) => n.env))];
    if (envs.length > 1) return { kind: 'question', text: `Which environment do you mean: ${envs.join(' or ')}?` };
    return intent({ action: 'show_environment', args: envs[0] ? { environment: envs[0] } : {} });
  }
  if (/\b(preview|diff|what (would|will) change|dry[- ]?run|plan)\b/.test(lower)) return onRelease('preview_release');
  if (/\b(status|state of|how is|how's|what's running|what is running|progress|where is)\b/.test(lower))
    return withTarget('show_status', /^(status|how|what's|running|progress|where)$/);
  if (/\bpromote\b/.test(lower)) {
    const from = named.find((n) => n.prep === 'from')?.env;
    const to = named.find((n) => n.prep === 'to' || n.prep === 'into')?.env ?? named.find((n) => n.env !== from)?.env;
    const apps = applicationsIn(ws, context, verbAt(/^promote$/), envSet);
    if (apps.loose.length > 1 || apps.exact.length > 1)
      return { kind: 'question', text: `Which application do you mean: ${[...apps.exact, ...apps.loose].join(' or ')}?` };
    if (!from) return { kind: 'question', text: 'Promote from which environment?' };
    if (!to) return { kind: 'question', text: 'Promote to which environment?' };
    const application = apps.exact[0] ?? apps.loose[0];
    const drafted = parametersFor(application);
    if ('question' in drafted) return { kind: 'question', text: drafted.question };
    return intent({
      action: 'draft_release',
      args: { ...(application ? { application } : {}), environment: to, fromEnvironment: from, parameters: drafted.parameters },
    });
  }
  const deployVerb = /\b(deploy|release|ship|roll ?out|push|upgrade|bump|update)\b/;
  const applyWords = /\b(apply|go ahead|execute|do it|proceed|confirm|ship it|deploy it|roll it out|make it so)\b/;
  if (applyWords.test(lower) && named.length === 0 && Object.keys(explicit).length === 0 && spoken.length === 0)
    return onRelease('propose_apply');
  const sameAs = SAME_AS.exec(lower);
  const copied = sameAs ? environmentOf(sameAs[1]!, context) : [];
  if (deployVerb.test(lower) && copied.length === 1) {
    // "deploy web to production, same as staging": a promotion of what runs in staging.
    const from = copied[0]!;
    const to = [...new Set(named.map((n) => n.env))].filter((e) => e !== from);
    if (to.length !== 1)
      return {
        kind: 'question',
        text: to.length > 1 ? `Which environment do you mean: ${to.join(' or ')}?` : `Deploy to which environment, as in ${from}?`,
      };
    const apps = applicationsIn(ws, context, verbAt(/^(deploy|release|ship|rollout|roll|push|upgrade|bump|update)$/), envSet);
    if (apps.loose.length > 1 || apps.exact.length > 1)
      return { kind: 'question', text: `Which application do you mean: ${[...apps.exact, ...apps.loose].join(' or ')}?` };
    const application = apps.exact[0] ?? apps.loose[0];
    const drafted = parametersFor(application);
    if ('question' in drafted) return { kind: 'question', text: drafted.question };
    return intent({
      action: 'draft_release',
      args: { ...(application ? { application } : {}), environment: to[0]!, fromEnvironment: from, parameters: drafted.parameters },
    });
  }
  if (deployVerb.test(lower)) {
    const t = target(verbAt(/^(deploy|release|ship|rollout|roll|push|upgrade|bump|update)$/));
    if ('kind' in t) return t;
    const drafted = parametersFor(t.application);
    if ('question' in drafted) return { kind: 'question', text: drafted.question };
    return intent({
      action: 'draft_release',
      args: {
        ...(t.application ? { application: t.application } : {}),
        ...(t.environment ? { environment: t.environment } : {}),
        parameters: drafted.parameters,
      },
    });
  }
  return {
    kind: 'question',
    text:
      'I did not understand that. Try “deploy web to staging with IMAGE_TAG=1.4.2”, “preview it”, “submit it”, “apply it”, “status ' +
      'of web in production”, “why did web fail in staging”, “roll back web in production” or “what waits for approval”.',
  };
}
