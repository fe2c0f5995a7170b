import { createRequire } from 'node:module';
import type * as Cel from '@bufbuild/cel';
import type { PolicyInput, RuleEvaluator } from '../../core/policy/policy.js';

type Program = ReturnType<typeof Cel.plan>;

/** The CEL implementation, loaded the first time a rule is read: a server whose environments have none never loads it. */
let cel: typeof Cel | null = null;
const loadCel = (): typeof Cel => (cel ??= createRequire(import.meta.url)('@bufbuild/cel') as typeof Cel);

/** How many compiled rules are kept: every environment's rules, many times over. */
const CAPACITY = 1_000;

/**
 * Custom policy rules in CEL, evaluated with Buf's CEL implementation (regular expressions through RE2, so no rule
 * can take exponential time). An expression is planned once and kept.
 * @example new CelRuleEvaluator().evaluate('!images.exists(i, i.endsWith(":latest"))', input)
 */
export class CelRuleEvaluator implements RuleEvaluator {
  private env: ReturnType<typeof Cel.celEnv> | null = null;
  private readonly programs = new Map<string, Program>();

  private program(expression: string): Program {
    let program = this.programs.get(expression);
    if (!program) {
      const { celEnv, parse, plan } = loadCel();
      this.env ??= celEnv();
      program = plan(this.env, parse(expression));
      if (this.programs.size >= CAPACITY) this.programs.delete(this.programs.keys().next().value as string);
      this.programs.set(expression, program);
    }
    return program;
  }

  private run(expression: string, input: PolicyInput): unknown {
    return this.program(expression)({ release: input.release, images: input.images, resources: input.resources } as never);
  }

  problem(expression: string, sample: PolicyInput): string | null {
    let result: unknown;
    try {
      result = this.run(expression, sample);
    } catch (error) {
      return `does not parse: ${(error as Error).message.replace(/^<input>:/, 'at ')}`;
    }
    if (loadCel().isCelError(result)) return `cannot be evaluated: ${result.message}`;
    if (typeof result !== 'boolean') return 'must be a boolean expression (true when the release passes)';
    return null;
  }

  evaluate(expression: string, input: PolicyInput): boolean | { error: string } {
    try {
      const result = this.run(expression, input);
      if (loadCel().isCelError(result)) return { error: result.message };
      if (typeof result !== 'boolean') return { error: 'the expression did not yield a boolean' };
      return result;
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
}
