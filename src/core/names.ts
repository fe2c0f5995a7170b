/**
 * The one place where Shipgate's name rules are written: the HTTP schemas, the use cases, the command center and the
 * web form all take their patterns and limits from here.
 */

/** A name rule: the pattern (a regular-expression source, anchored), its length limit and how to say it. */
export interface NameRule {
  pattern: string;
  maxLength: number;
  /** What a person is told when a name breaks the rule. */
  description: string;
}

/** Environment and application names, and Kubernetes namespaces: DNS labels. */
export const DNS_LABEL: NameRule = {
  pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  maxLength: 63,
  description: 'a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
};

/** A Compose project name, as Compose itself accepts it. */
export const COMPOSE_PROJECT: NameRule = {
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  maxLength: 63,
  description: 'a Compose project name: lowercase letters, digits, "_" and "-", starting with a letter or digit',
};

/** A release parameter's name, as `${NAME}` references it. */
export const PARAMETER_NAME: NameRule = {
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  maxLength: 128,
  description: 'a parameter name: letters, digits and "_", not starting with a digit',
};

/** The longest parameter value Shipgate keeps. */
export const MAX_PARAMETER_VALUE_LENGTH = 4_096;

/** True when `name` follows `rule`. */
export function follows(rule: NameRule, name: string): boolean {
  return name.length <= rule.maxLength && new RegExp(rule.pattern).test(name);
}

/** A rule's pattern as an HTML `pattern` attribute takes it (implicitly anchored, so without `^` and `$`). */
export function htmlPattern(rule: NameRule): string {
  return rule.pattern.replace(/^\^/, '').replace(/\$$/, '');
}
