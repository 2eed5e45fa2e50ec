// Any OpenAI-compatible chat-completions endpoint through the official SDK (docs/worktrain.md §6.1).
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Message, ModelRequest, ModelResponse, Provider, StopReason, TextBlock, ToolCallBlock } from './types.js';

export interface OpenAiProviderOptions {
  readonly model: string;
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
}

export function createOpenAiProvider(options: OpenAiProviderOptions): Provider {
  const client = new OpenAI({
    apiKey: options.apiKey ?? 'unused',
    ...(options.baseUrl === undefined ? {} : { baseURL: options.baseUrl }),
    maxRetries: 0,
    timeout: 30 * 60 * 1000,
  });
  return {
    name: 'openai',
    model: options.model,
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: request.system }];
      for (const message of request.messages) messages.push(...toParams(message));
      const response = await client.chat.completions.create(
        {
          model: options.model,
          max_completion_tokens: request.maxOutputTokens,
          messages,
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: { name: tool.name, description: tool.description, parameters: { ...tool.inputSchema } },
          })),
        },
        { signal: request.signal },
      );
      const choice = response.choices[0];
      const content: (TextBlock | ToolCallBlock)[] = [];
      if (typeof choice?.message.content === 'string' && choice.message.content !== '') {
        content.push({ type: 'text', text: choice.message.content });
      }
      for (const call of choice?.message.tool_calls ?? []) {
        if (call.type !== 'function') continue;
        content.push({
          type: 'tool_call',
          id: call.id,
          name: call.function.name,
          ...parseArguments(call.function.arguments),
        });
      }
      const usage = response.usage;
      const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
      return {
        content,
        stopReason: stopReasonOf(choice?.finish_reason ?? null),
        usage: {
          input: (usage?.prompt_tokens ?? 0) - cached,
          output: usage?.completion_tokens ?? 0,
          cacheRead: cached,
          cacheWrite: 0,
        },
      };
    },
  };
}

function parseArguments(text: string): Pick<ToolCallBlock, 'input' | 'rawInput'> {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { input: value as { [key: string]: unknown } };
    }
  } catch {
    // falls through: the loop answers with an error tool result
  }
  return { input: null, rawInput: text };
}

function toParams(message: Message): ChatCompletionMessageParam[] {
  if (message.role === 'assistant') {
    const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
    const calls = message.content.flatMap((b) => (b.type === 'tool_call' ? [b] : []));
    return [
      {
        role: 'assistant',
        content: text === '' ? null : text,
        ...(calls.length === 0
          ? {}
          : {
              tool_calls: calls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.rawInput ?? JSON.stringify(call.input ?? {}) },
              })),
            }),
      },
    ];
  }
  const out: ChatCompletionMessageParam[] = [];
  const texts: string[] = [];
  for (const block of message.content) {
    if (block.type === 'tool_result') {
      out.push({
        role: 'tool',
        tool_call_id: block.toolCallId,
        content: block.isError ? `Error: ${block.content}` : block.content,
      });
    } else {
      texts.push(block.text);
    }
  }
  if (texts.length > 0) out.push({ role: 'user', content: texts.join('\n\n') });
  return out;
}

function stopReasonOf(reason: string | null): StopReason {
  if (reason === 'stop') return 'end_turn';
  if (reason === 'tool_calls') return 'tool_use';
  if (reason === 'length') return 'max_tokens';
  return 'other';
}
