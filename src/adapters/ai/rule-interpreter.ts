import type { Understanding } from './ai-actions.js';
import type { IntentInterpreter } from './command-center.js';
import { parseMessage, type ParseContext } from './rule-intent-parser.js';

/** The embedded interpreter: no model, the deterministic grammar only. */
export class RuleInterpreter implements IntentInterpreter {
  async interpret(text: string, context: ParseContext): Promise<Understanding> {
    return parseMessage(text, context);
  }
}
