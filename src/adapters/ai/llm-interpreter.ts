import OpenAI from 'openai';
import type { Logger } from 'pino';
import { checkIntent, toolDefinitions, type Understanding } from './ai-actions.js';
import type { IntentInterpreter } from './command-center.js';
import { parseMessage, type ParseContext } from './rule-intent-parser.js';

export interface LlmInterpreterOptions {
  baseURL: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  logger: Logger;
}

const SYSTEM_PROMPT = [
  'You are the command interpreter of Shipgate, a release-governance control plane.',
  'Map the operator message to exactly one tool call from the tools provided, or answer with one short question when the message is ambiguous (for example two applications could match, or no environment is named).',
  'You cannot approve releases and must never claim to. Apply and rollback are only proposals that the operator confirms.',
  'Only use application and environment names from the lists given.',
].join(' ');

/**
 * An OpenAI-compatible chat-completions model with tool calling over the fixed action set. The model sees only the
 * operator's own messages and the names of environments and applications — never release descriptions, logs or
 * diagnostics — and whatever tool call it returns is validated against the action schemas before anything happens.
 */
export class LlmInterpreter implements IntentInterpreter {
  private readonly client: OpenAI;

  constructor(private readonly options: LlmInterpreterOptions) {
    this.client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey || 'not-needed', timeout: options.timeoutMs ?? 30_000, maxRetries: 1 });
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
    const completion = await this.client.chat.completions.create({
      model: this.options.model,
      temperature: 0,
      tools: toolDefinitions(),
      tool_choice: 'auto',
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'system', content: `Environments: ${context.environments.join(', ') || 'none'}. Applications: ${context.applications.join(', ') || 'none'}.` },
        ...context.history.map((h) => ({ role: 'user' as const, content: h })),
        { role: 'user', content: text },
      ],
    });
    const message = completion.choices[0]?.message;
    const calls = (message?.tool_calls ?? []).filter((c) => c.type === 'function');
    if (calls.length > 1) return { kind: 'refusal', text: 'That asked for several actions at once; please ask for one thing at a time.' };
    const call = calls[0];
    if (!call) {
      const question = (message?.content ?? '').trim().slice(0, 500);
      return { kind: 'question', text: question || 'Could you say that another way?' };
    }
    let args: unknown;
    try {
      args = call.function.arguments ? JSON.parse(call.function.arguments) : {};
    } catch {
      return { kind: 'refusal', text: 'The request was malformed, so I did nothing.' };
    }
    const understanding = checkIntent(call.function.name, args);
    if (understanding.kind === 'refusal') this.options.logger.warn({ tool: call.function.name }, 'refused a tool call outside the action set');
    return understanding;
  }
}
