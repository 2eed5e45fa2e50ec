// The agent settings of one session: `agentConfig` over the environment over DEFAULTS (docs/worktrain.md §3.5, §6.1).
import type { Env } from './config/env-file.js';
import type { AgentConfigInput } from './config/trigger-schema.js';
import { DEFAULTS, type StuckAbortPolicy } from './defaults.js';

export type ProviderKind = 'anthropic' | 'openai';

export interface AgentConfig {
  readonly provider: ProviderKind;
  readonly model: string;
  /** The SDK's base URL; undefined uses the SDK default. */
  readonly baseUrl: string | undefined;
  readonly apiKey: string | undefined;
  readonly maxSessionMinutes: number;
  readonly maxTurns: number;
  readonly stallTimeoutSeconds: number;
  readonly maxOutputTokens: number;
  readonly stuckAbortPolicy: StuckAbortPolicy;
  readonly noProgressAbort: boolean;
}

export type AgentConfigResult = { ok: true; value: AgentConfig } | { ok: false; field: string; message: string };

/** Resolves provider, model, endpoint, key and limits; fails when openai has no model or no credentials exist. */
export function resolveAgentConfig(input: AgentConfigInput | undefined, env: Env): AgentConfigResult {
  const given = input ?? {};
  const prefixed = given.model?.startsWith('anthropic/') === true;
  const provider = pickProvider(given.provider, prefixed, env);
  const model =
    (prefixed ? given.model?.slice('anthropic/'.length) : given.model) ??
    nonEmpty(env.WORKTRAIN_MODEL) ??
    (provider === 'anthropic' ? DEFAULTS.anthropicModel : undefined);
  if (model === undefined) {
    return { ok: false, field: 'agentConfig.model', message: 'agentConfig.model is required for provider openai' };
  }
  const baseUrl = given.baseUrl ?? nonEmpty(provider === 'anthropic' ? env.ANTHROPIC_BASE_URL : env.OPENAI_BASE_URL);
  const apiKey = given.apiKey ?? nonEmpty(provider === 'anthropic' ? env.ANTHROPIC_API_KEY : env.OPENAI_API_KEY);
  if (apiKey === undefined && baseUrl === undefined) {
    const variable = provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
    return {
      ok: false,
      field: 'agentConfig.apiKey',
      message: `no API key for provider ${provider}: set ${variable} in ~/.workrail/.env or agentConfig.apiKey`,
    };
  }
  return {
    ok: true,
    value: {
      provider,
      model,
      baseUrl,
      apiKey,
      maxSessionMinutes: given.maxSessionMinutes ?? DEFAULTS.maxSessionMinutes,
      maxTurns: given.maxTurns ?? DEFAULTS.maxTurns,
      stallTimeoutSeconds: given.stallTimeoutSeconds ?? DEFAULTS.stallTimeoutSeconds,
      maxOutputTokens: given.maxOutputTokens ?? DEFAULTS.maxOutputTokens,
      stuckAbortPolicy: given.stuckAbortPolicy ?? DEFAULTS.stuckAbortPolicy,
      noProgressAbort: given.noProgressAbort ?? false,
    },
  };
}

/** agentConfig.provider > `anthropic/` model prefix > WORKTRAIN_LLM_PROVIDER > which key is set > anthropic. */
function pickProvider(explicit: ProviderKind | undefined, prefixed: boolean, env: Env): ProviderKind {
  if (explicit !== undefined) return explicit;
  if (prefixed) return 'anthropic';
  const configured = providerName(env.WORKTRAIN_LLM_PROVIDER);
  if (configured !== undefined) return configured;
  if (nonEmpty(env.ANTHROPIC_API_KEY) !== undefined) return 'anthropic';
  if (nonEmpty(env.OPENAI_API_KEY) !== undefined || nonEmpty(env.OPENAI_BASE_URL) !== undefined) return 'openai';
  return DEFAULTS.provider;
}

function providerName(value: string | undefined): ProviderKind | undefined {
  return value === 'anthropic' || value === 'openai' ? value : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
