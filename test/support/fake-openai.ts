import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: tool calls (name + raw JSON arguments, with text beside them or not), or plain text. */
export type ScriptedAnswer = { toolCalls: Array<{ name: string; arguments: string }>; text?: string } | { text: string };

/**
 * A small local OpenAI-compatible server (POST /v1/chat/completions) that replays scripted answers in order and
 * records every request it received. For tests only.
 */
export class FakeOpenAi {
  readonly requests: Array<{
    model: string;
    messages: Array<{ role: string; content: string }>;
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
        this.requests.push(JSON.parse(body));
        const answer = this.script.shift() ?? { text: 'I am not sure what you mean.' };
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
