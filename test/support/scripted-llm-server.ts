// A scripted LLM server on 127.0.0.1 speaking the real Anthropic Messages (`POST /v1/messages`) and OpenAI chat
// completions (`POST /v1/chat/completions`) wire formats, tool calls included (docs/worktrain.md §12.1). A test gives
// it a script of replies (or a function of the request); it validates requests like the real APIs (auth headers,
// tool-result ids matching earlier calls, message order), answers 400 on violations, and records every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WireFormat = 'anthropic' | 'openai';

export interface ToolCallSpec {
  readonly name: string;
  readonly input: { readonly [key: string]: unknown } | string;
}

/** One scripted reply, neutral of wire format. */
export interface Reply {
  readonly text?: string;
  readonly toolCalls?: readonly ToolCallSpec[];
  /** HTTP error status instead of a completion. */
  readonly status?: number;
  readonly headers?: { readonly [name: string]: string };
  readonly delayMs?: number;
  readonly usage?: { readonly input?: number; readonly output?: number; readonly cacheRead?: number };
}

/** What a script function sees: the decoded request. */
export interface SeenRequest {
  readonly format: WireFormat;
  readonly body: { readonly [key: string]: unknown };
  readonly headers: IncomingMessage['headers'];
  /** The text of the latest user turn (tool results and text), for "act on the prompt" scripts. */
  readonly lastUserText: string;
  /** Every text the conversation holds (system included), joined. */
  readonly allText: string;
  readonly turn: number;
}

export type Script = readonly Reply[] | ((request: SeenRequest) => Reply);

export interface ScriptedLlmServer {
  readonly url: string;
  /** Base URLs the SDKs take: Anthropic's includes no `/v1`; OpenAI's does. */
  readonly anthropicBaseUrl: string;
  readonly openaiBaseUrl: string;
  readonly requests: SeenRequest[];
  /** Requests answered 400 because they broke the wire rules, with the reason. */
  readonly violations: string[];
  setScript(script: Script): void;
  close(): Promise<void>;
}

export const API_KEY = 'sk-test-scripted-0123456789';

export async function startScriptedLlmServer(
  options: { script?: Script; apiKey?: string } = {},
): Promise<ScriptedLlmServer> {
  let script: Script = options.script ?? [];
  const apiKey = options.apiKey ?? API_KEY;
  const requests: SeenRequest[] = [];
  const violations: string[] = [];
  let callCounter = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const format: WireFormat | null =
      req.method === 'POST' && req.url === '/v1/messages'
        ? 'anthropic'
        : req.method === 'POST' && req.url === '/v1/chat/completions'
          ? 'openai'
          : null;
    if (format === null) return send(res, 404, { error: { type: 'not_found_error', message: `no route ${req.url}` } });
    let body: { [key: string]: unknown };
    try {
      body = JSON.parse(raw) as { [key: string]: unknown };
    } catch {
      return send(res, 400, errorBody(format, 'request body is not JSON'));
    }
    const violation = format === 'anthropic' ? checkAnthropic(req, body, apiKey) : checkOpenAi(req, body, apiKey);
    if (violation !== null) {
      violations.push(violation);
      return send(res, 400, errorBody(format, violation));
    }
    const seen = describe(format, body, req.headers, requests.length + 1);
    requests.push(seen);
    const reply =
      typeof script === 'function' ? script(seen) : (script[seen.turn - 1] ?? { text: 'Script exhausted.' });
    if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed || res.socket === null || res.socket.destroyed) return;
    if (reply.status !== undefined) {
      return send(res, reply.status, errorBody(format, `scripted status ${reply.status}`), reply.headers);
    }
    const calls = (reply.toolCalls ?? []).map((call) => ({ ...call, id: `call_${++callCounter}` }));
    return send(
      res,
      200,
      format === 'anthropic' ? anthropicReply(body, reply, calls) : openAiReply(body, reply, calls),
      reply.headers,
    );
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    anthropicBaseUrl: url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    violations,
    setScript(next) {
      script = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Call = ToolCallSpec & { id: string };

function anthropicReply(body: { [key: string]: unknown }, reply: Reply, calls: Call[]) {
  const content: unknown[] = [];
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
  for (const call of calls) {
    content.push({ type: 'tool_use', id: call.id.replace('call_', 'toolu_'), name: call.name, input: call.input });
  }
  return {
    id: `msg_${Date.now()}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: reply.usage?.input ?? 100,
      output_tokens: reply.usage?.output ?? 20,
      cache_read_input_tokens: reply.usage?.cacheRead ?? 0,
      cache_creation_input_tokens: 0,
    },
  };
}

function openAiReply(body: { [key: string]: unknown }, reply: Reply, calls: Call[]) {
  const input = reply.usage?.input ?? 100;
  return {
    id: `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
        logprobs: null,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          ...(calls.length === 0
            ? {}
            : {
                tool_calls: calls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: {
                    name: call.name,
                    arguments: typeof call.input === 'string' ? call.input : JSON.stringify(call.input),
                  },
                })),
              }),
        },
      },
    ],
    usage: {
      prompt_tokens: input,
      completion_tokens: reply.usage?.output ?? 20,
      total_tokens: input + (reply.usage?.output ?? 20),
      prompt_tokens_details: { cached_tokens: reply.usage?.cacheRead ?? 0 },
    },
  };
}

type Json = { [key: string]: unknown };

function checkAnthropic(req: IncomingMessage, body: Json, apiKey: string): string | null {
  if (req.headers['x-api-key'] !== apiKey) return 'x-api-key header missing or wrong';
  if (req.headers['anthropic-version'] !== '2023-06-01') return 'anthropic-version must be 2023-06-01';
  if (typeof body.model !== 'string') return 'model is required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens is required';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array';
  const open = new Set<string>();
  for (const [i, message] of (messages as Json[]).entries()) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (message.role !== expected) return `messages[${i}].role must be ${expected} (roles alternate, user first)`;
    const content = typeof message.content === 'string' ? [] : (message.content as Json[]);
    const results = content.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id));
    if (message.role === 'user') {
      for (const id of results) if (!open.has(id)) return `messages[${i}] tool_result ${id} answers no tool_use`;
      if (open.size > 0 && results.length !== open.size)
        return `messages[${i}] must answer every tool_use of the previous turn`;
      if (results.length > 0 && content[0]?.type !== 'tool_result')
        return `messages[${i}] tool_result blocks must come first`;
      open.clear();
    } else {
      for (const block of content) if (block.type === 'tool_use') open.add(String(block.id));
    }
  }
  for (const tool of (body.tools as Json[] | undefined) ?? []) {
    if (typeof tool.name !== 'string' || typeof tool.input_schema !== 'object')
      return 'tools need name and input_schema';
  }
  return null;
}

function checkOpenAi(req: IncomingMessage, body: Json, apiKey: string): string | null {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return 'Authorization: Bearer header missing or wrong';
  if (typeof body.model !== 'string') return 'model is required';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array';
  const open = new Set<string>();
  for (const [i, message] of (messages as Json[]).entries()) {
    if (message.role === 'tool') {
      if (!open.has(String(message.tool_call_id)))
        return `messages[${i}] tool_call_id ${String(message.tool_call_id)} answers no tool call`;
      open.delete(String(message.tool_call_id));
      continue;
    }
    if (open.size > 0) return `messages[${i}] comes before every tool call was answered`;
    if (message.role === 'assistant') {
      for (const call of (message.tool_calls as Json[] | undefined) ?? []) open.add(String(call.id));
    }
  }
  for (const tool of (body.tools as Json[] | undefined) ?? []) {
    if (tool.type !== 'function' || typeof (tool.function as Json | undefined)?.name !== 'string')
      return 'tools need type function and a name';
  }
  return null;
}

function describe(format: WireFormat, body: Json, headers: IncomingMessage['headers'], turn: number): SeenRequest {
  const messages = body.messages as Json[];
  const texts: string[] = [];
  const textOf = (content: unknown): string => {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return '';
    return (content as Json[])
      .map((b) =>
        b.type === 'text'
          ? String(b.text)
          : b.type === 'tool_result'
            ? String(typeof b.content === 'string' ? b.content : JSON.stringify(b.content))
            : '',
      )
      .join('\n');
  };
  if (format === 'anthropic') texts.push(textOf(body.system));
  for (const message of messages) texts.push(textOf(message.content));
  let lastUserText = '';
  if (format === 'anthropic') {
    lastUserText = textOf(messages[messages.length - 1]?.content);
  } else {
    const tail: string[] = [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as Json;
      if (m.role === 'assistant' || m.role === 'system') break;
      tail.unshift(textOf(m.content));
    }
    lastUserText = tail.join('\n');
  }
  return { format, body, headers, lastUserText, allText: texts.join('\n'), turn };
}

function errorBody(format: WireFormat, message: string) {
  return format === 'anthropic'
    ? { type: 'error', error: { type: 'invalid_request_error', message } }
    : { error: { message, type: 'invalid_request_error', param: null, code: null } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: { readonly [name: string]: string } = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
