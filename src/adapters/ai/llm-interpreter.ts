import OpenAI from 'openai';
import type { Logger } from 'pino';
import { checkIntent, toolDefinitions, type Understanding } from './ai-actions.js';
import type { IntentInterpreter } from './command-center.js';
import { parseMessage, secretsInMessage, type ParseContext } from './rule-intent-parser.js';

export interface LlmInterpreterOptions {
  baseURL: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  logger: Logger;
}

const SYSTEM_PROMPT = [
  'You are the command interpreter of Shipgate, a release-governance control plane.',
  'Map the operator message to exactly one tool call from the tools provided, or answer with one short question when the message is ' +
    'ambiguous (for example two applications could match, or no environment is named).',
  'You cannot approve releases and must never claim to. Apply and rollback are only proposals that the operator confirms.',
  'Only use application and environment names from the lists given.',
  'Take parameter values exactly as the operator wrote them; when a value is not given exactly, ask for it instead of guessing.',
  'Placeholders such as [[secret-1]] stand for values you are not shown: pass them on unchanged.',
].join(' ');

/** The longest model question shown to the operator (as a separate note). */
const MAX_NOTE_LENGTH = 300;
const QUESTION_START = /^(which|what|where|who|when|how|do|does|did|should|shall|can|could|would|will|is|are)\b/i;

/**
 * The model's free text as a note the operator may see: only a single short question (one sentence, ending in
 * "?", starting with a question word). Anything else — a statement such as "I have applied it" — is dropped, so
 * the model can ask but never tell the operator what happened; the command center says that from the use cases.
 */
export function modelQuestion(content: string | null | undefined): string | null {
  const text = (content ?? '').trim();
  if (text.length === 0 || text.length > MAX_NOTE_LENGTH || /[\r\n]/.test(text)) return null;
  if (!text.endsWith('?') || /[.!?]\s/.test(text) || !QUESTION_START.test(text)) return null;
  return text;
}

/** Secret values of a message replaced by placeholders, and the way back for what the model returns. */
class SealedSecrets {
  private readonly placeholders: Array<[placeholder: string, secret: string]>;

  constructor(secrets: readonly string[]) {
    this.placeholders = secrets.map((secret, i) => [`[[secret-${i + 1}]]`, secret]);
  }

  seal(text: string): string {
    return this.placeholders.reduce((out, [placeholder, secret]) => out.split(secret).join(placeholder), text);
  }

  /** Puts the secret values back into the strings of a tool call's arguments. */
  unseal(value: unknown): unknown {
    if (typeof value === 'string')
      return this.placeholders.reduce((out, [placeholder, secret]) => out.split(placeholder).join(secret), value);
    if (Array.isArray(value)) return value.map((v) => this.unseal(v));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.unseal(v)]));
    return value;
  }
}

/**
 * An OpenAI-compatible chat-completions model with tool calling over the fixed action set. The model sees only the
 * operator's own messages (secret values replaced by placeholders) and the names of environments and applications —
 * never release descriptions, logs or diagnostics — and whatever tool call it returns is validated against the
 * action schemas before anything happens.
 */
export class LlmInterpreter implements IntentInterpreter {
  private readonly client: OpenAI;

  constructor(private readonly options: LlmInterpreterOptions) {
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey || 'not-needed',
      timeout: options.timeoutMs ?? 30_000,
      maxRetries: 1,
    });
  }

  /** Asks the model; when it cannot be reached, the embedded parser answers instead (the command center keeps working). */
  async interpret(text: string, context: ParseContext & { history: string[] }): Promise<Understanding> {
    try {
      return await this.ask(text, context);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the model could not be reached; using the embedded parser');
      return parseMessage(text, context);
    }
  }

  private async ask(text: string, context: ParseContext & { history: string[] }): Promise<Understanding> {
    const sealed = new SealedSecrets(secretsInMessage(text));
    const completion = await this.client.chat.completions.create({
      model: this.options.model,
      temperature: 0,
      tools: toolDefinitions(),
      tool_choice: 'auto',
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        {
          role: 'system',
          content:
            `Environments: ${context.environments.join(', ') || 'none'}. Applications: ` + `${context.applications.join(', ') || 'none'}.`,
        },
        ...context.history.map((h) => ({ role: 'user' as const, content: h })),
        { role: 'user', content: sealed.seal(text) },
      ],
    });
    const message = completion.choices[0]?.message;
    const calls = (message?.tool_calls ?? []).filter((c) => c.type === 'function');
    if (calls.length > 1) return { kind: 'refusal', text: 'That asked for several actions at once; please ask for one thing at a time.' };
    const call = calls[0];
    if (!call) return { kind: 'unclear', note: modelQuestion(message?.content) };
    let args: unknown;
    try {
      args = call.function.arguments ? JSON.parse(call.function.arguments) : {};
    } catch {
      return { kind: 'refusal', text: 'The request was malformed, so I did nothing.' };
    }
    const understanding = checkIntent(call.function.name, sealed.unseal(args));
    if (understanding.kind === 'refusal')
      this.options.logger.warn({ tool: call.function.name.slice(0, 64) }, 'refused a tool call outside the action set');
    return understanding;
  }
}
