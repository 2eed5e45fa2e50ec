// The Anthropic Messages API through the official SDK (docs/worktrain.md §6.1). Retries are the loop's job
// (`withRetries`), so the SDK's own are off.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, Tool, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { Message, ModelRequest, ModelResponse, Provider, StopReason, TextBlock, ToolCallBlock } from './types.js';

export interface AnthropicProviderOptions {
  readonly model: string;
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
}

export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const apiKey = options.apiKey ?? 'unused';
  // The documented wire headers (docs/worktrain.md §6.1); the SDK would otherwise send a bearer token.
  const client = new Anthropic({
    apiKey,
    defaultHeaders: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
    ...(options.baseUrl === undefined ? {} : { baseURL: options.baseUrl }),
    maxRetries: 0,
    timeout: 30 * 60 * 1000,
  });
  return {
    name: 'anthropic',
    model: options.model,
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const tools: Tool[] = request.tools.map((tool, index) => ({
        name: tool.name,
        description: tool.description,
        input_schema: tool.inputSchema as Tool['input_schema'],
        ...(index === request.tools.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
      }));
      const response = await client.messages.create(
        {
          model: options.model,
          max_tokens: request.maxOutputTokens,
          system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
          messages: request.messages.map(toParam),
          tools,
        },
        { signal: request.signal },
      );
      const content: (TextBlock | ToolCallBlock)[] = [];
      for (const block of response.content) {
        if (block.type === 'text') content.push({ type: 'text', text: block.text });
        if (block.type === 'tool_use') {
          const input = block.input;
          const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
          content.push({
            type: 'tool_call',
            id: block.id,
            name: block.name,
            input: isObject ? (input as { [key: string]: unknown }) : null,
            ...(isObject ? {} : { rawInput: JSON.stringify(input) }),
          });
        }
      }
      const usage = response.usage;
      return {
        content,
        stopReason: stopReasonOf(response.stop_reason),
        usage: {
          input: usage.input_tokens,
          output: usage.output_tokens,
          cacheRead: usage.cache_read_input_tokens ?? 0,
          cacheWrite: usage.cache_creation_input_tokens ?? 0,
        },
      };
    },
  };
}

function toParam(message: Message): MessageParam {
  if (message.role === 'assistant') {
    return {
      role: 'assistant',
      content: message.content.map((block) =>
        block.type === 'text'
          ? { type: 'text' as const, text: block.text }
          : { type: 'tool_use' as const, id: block.id, name: block.name, input: block.input ?? {} },
      ),
    };
  }
  return {
    role: 'user',
    content: message.content.map((block) =>
      block.type === 'text'
        ? { type: 'text' as const, text: block.text }
        : ({
            type: 'tool_result',
            tool_use_id: block.toolCallId,
            content: block.content,
            is_error: block.isError,
          } satisfies ToolResultBlockParam),
    ),
  };
}

function stopReasonOf(reason: string | null): StopReason {
  return reason === 'end_turn' || reason === 'tool_use' || reason === 'max_tokens' ? reason : 'other';
}
