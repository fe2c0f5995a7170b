import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmInterpreter } from '../../src/adapters/ai/llm-interpreter.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import type { Dialect } from './dialects.js';
import { startTestServer, type TestServer } from './test-server.js';

/** One scripted answer: tool calls (name + raw JSON arguments, with text beside them or not), or plain text. */
export type ScriptedAnswer = { toolCalls: Array<{ name: string; arguments: string }>; text?: string } | { text: string };

/** A chunk of a streamed completion (`chat.completion.chunk`) with this delta. */
function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const body = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'scripted',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/**
 * Streams an answer as OpenAI does: the text a few characters at a time, each tool call in two pieces (its id and
 * name with the first half of its arguments, then the rest), then `[DONE]`.
 */
function streamAnswer(res: import('node:http').ServerResponse, answer: ScriptedAnswer): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk({ role: 'assistant', content: '' }));
  const text = answer.text ?? '';
  for (let i = 0; i < text.length; i += 7) res.write(chunk({ content: text.slice(i, i + 7) }));
  if ('toolCalls' in answer) {
    answer.toolCalls.forEach((c, index) => {
      const half = Math.floor(c.arguments.length / 2);
      res.write(
        chunk({
          tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: c.name, arguments: c.arguments.slice(0, half) } }],
        }),
      );
      res.write(chunk({ tool_calls: [{ index, function: { arguments: c.arguments.slice(half) } }] }));
    });
  }
  res.write(chunk({}, 'toolCalls' in answer ? 'tool_calls' : 'stop'));
  res.end('data: [DONE]\n\n');
}

/**
 * A small local OpenAI-compatible server (POST /v1/chat/completions) that replays scripted answers in order, whole
 * or streamed as the request asks, and records every request it received. For tests only.
 */
export class FakeOpenAi {
  readonly requests: Array<{
    model: string;
    messages: Array<{ role: string; content: string | null; tool_call_id?: string }>;
    stream?: boolean;
    tools: Array<{ function: { name: string } }>;
  }> = [];
  private readonly script: ScriptedAnswer[] = [];
  private server: Server | null = null;
  url = '';

  enqueue(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        const request = JSON.parse(body);
        this.requests.push(request);
        const answer = this.script.shift() ?? { text: 'I am not sure what you mean.' };
        if (request.stream) {
          streamAnswer(res, answer);
          return;
        }
        const message =
          'toolCalls' in answer
            ? {
                role: 'assistant',
                content: answer.text ?? null,
                tool_calls: answer.toolCalls.map((c, i) => ({
                  id: `call_${i}`,
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : { role: 'assistant', content: answer.text };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: 'scripted',
            choices: [{ index: 0, message, finish_reason: 'toolCalls' in answer ? 'tool_calls' : 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A fake model server, and a Shipgate test server whose command center uses it. */
export async function serverWithModel(dialect: Dialect = 'sqlite'): Promise<{ llm: FakeOpenAi; srv: TestServer }> {
  const llm = new FakeOpenAi();
  await llm.start();
  const srv = await startTestServer({
    dialect,
    interpreter: new LlmInterpreter({ baseURL: llm.url, model: 'scripted', apiKey: 'test', logger: createLogger({ level: 'silent' }) }),
  });
  return { llm, srv };
}
