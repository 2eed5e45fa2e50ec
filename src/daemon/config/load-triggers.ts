// Loads triggers.yml (docs/worktrain.md §3): YAML with positions, `defaults`/`extends`, `$VAR` substitution, the
// zod shape, then the cross-field rules of §3.8. Every finding names file, line, column, trigger and fix. The
// result is all-or-nothing: callers use `triggers` only when no finding is an error.
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { resolveAgentConfig } from '../agent-config.js';
import { DEFAULTS } from '../defaults.js';
import { sourceIssues } from '../pollers/source-schema.js';
import { checkScheduleTrigger } from '../schedule/check-schedule-trigger.js';
import type { Env } from './env-file.js';
import type { Finding, Severity } from './findings.js';
import { substituteVariables } from './substitute.js';
import type { Trigger } from './trigger.js';
import { LEGACY_KEYS, type RawTrigger, triggerSchema } from './trigger-schema.js';
import { type PathSegment, positionOf } from './yaml-positions.js';

export interface LoadTriggersOptions {
  readonly env: Env;
  /** `WORKRAIL_DEFAULT_WORKSPACE`, used by triggers without `workspacePath`. */
  readonly defaultWorkspace?: string;
  /** Whether a workflow id resolves from a workspace; omitted skips `unknown-workflow`. */
  readonly workflowExists?: (workflowId: string, workspacePath: string) => boolean;
  /** The address the daemon listens on; non-loopback makes `hmacSecret` required. */
  readonly host?: string;
}

export interface TriggerConfig {
  readonly file: string;
  readonly triggers: readonly Trigger[];
  readonly findings: readonly Finding[];
  /** Every value substituted from `$VAR`, for redaction. */
  readonly secrets: readonly string[];
}

type Json = { [key: string]: unknown };

/** Reads and validates `file`. Never throws for content problems; an unreadable file is a `yaml-syntax` error. */
export function loadTriggers(file: string, options: LoadTriggersOptions): TriggerConfig {
  const name = path.basename(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      file,
      triggers: [],
      secrets: [],
      findings: [finding(name, 1, 1, 'error', 'yaml-syntax', null, null, `cannot read ${file}: ${reason}`)],
    };
  }
  return parseTriggers(text, file, options);
}

/** Validates the text of a triggers file named `file`. */
export function parseTriggers(text: string, file: string, options: LoadTriggersOptions): TriggerConfig {
  const name = path.basename(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const findings: Finding[] = [];
  const secrets: string[] = [];
  const at = (p: readonly PathSegment[], atKey = false) => positionOf(doc, lines, p, { atKey });
  const add = (
    p: readonly PathSegment[],
    severity: Severity,
    rule: string,
    triggerId: string | null,
    field: string | null,
    message: string,
    atKey = false,
  ) => {
    const pos = at(p, atKey);
    findings.push(finding(name, pos.line, pos.column, severity, rule, triggerId, field, message));
  };

  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
    findings.push(finding(name, pos.line, pos.col, 'error', 'yaml-syntax', null, null, firstLine(error.message)));
  }
  if (findings.length > 0) return { file, triggers: [], findings, secrets };

  const root = doc.toJS() as unknown;
  if (!isObject(root) || !Array.isArray(root.triggers)) {
    add([], 'error', 'missing-field', null, 'triggers', 'the file needs a top-level `triggers:` list');
    return { file, triggers: [], findings, secrets };
  }
  for (const key of Object.keys(root)) {
    if (key !== 'triggers' && key !== 'defaults' && !key.startsWith('x-')) {
      add(
        [key],
        'error',
        'unknown-key',
        null,
        key,
        `unknown top-level key "${key}" (allowed: triggers, defaults)`,
        true,
      );
    }
  }
  const templates = isObject(root.defaults) ? root.defaults : {};
  const seen = new Map<string, number>();
  const triggers: Trigger[] = [];

  for (const [index, item] of (root.triggers as unknown[]).entries()) {
    const base: PathSegment[] = ['triggers', index];
    const id = isObject(item) && typeof item.id === 'string' ? item.id : null;
    const label = `triggers[${index}]${id === null ? '' : ` (id ${id})`}`;
    const report = (p: readonly PathSegment[], severity: Severity, rule: string, message: string, atKey = false) =>
      add([...base, ...p], severity, rule, id, p.length === 0 ? null : fieldPath(p), `${label}: ${message}`, atKey);

    if (!isObject(item)) {
      report([], 'error', 'invalid-value', 'must be a map of trigger fields');
      continue;
    }
    const merged = applyExtends(item, templates, (message) => report(['extends'], 'error', 'invalid-value', message));
    const cleaned = withoutIgnoredKeys(merged, (key) =>
      report([key], 'warning', 'legacy-key', `"${key}" is a WorkRail 3.x key and is ignored`, true),
    );
    const substituted = substituteAll(cleaned, options.env, [], secrets, (p, variable) =>
      report(
        p,
        'error',
        'missing-env',
        `${fieldPath(p)} uses $${variable}, which is not set (add it to ~/.workrail/.env)`,
      ),
    );
    if (substituted === null) continue;

    const parsed = triggerSchema.safeParse(substituted, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) reportIssue(issue, report);
      continue;
    }
    const raw = parsed.data;
    const previous = seen.get(raw.id);
    if (previous !== undefined) {
      report(
        ['id'],
        'error',
        'duplicate-id',
        `id "${raw.id}" is already used by triggers[${previous}]; ids must be unique`,
      );
      continue;
    }
    seen.set(raw.id, index);
    const resolved = resolveTrigger(raw, cleaned, at(base).line, options, report);
    if (resolved !== null) triggers.push(resolved);
  }
  return { file, triggers, findings, secrets };
}

type Report = (p: readonly PathSegment[], severity: Severity, rule: string, message: string, atKey?: boolean) => void;

function resolveTrigger(
  raw: RawTrigger,
  written: Json,
  line: number,
  options: LoadTriggersOptions,
  report: Report,
): Trigger | null {
  let failed = false;
  const error = (p: readonly PathSegment[], rule: string, message: string) => {
    failed = true;
    report(p, 'error', rule, message);
  };
  const workflowId = raw.workflowId ?? (raw.provider === 'github_queue_poll' ? 'wr.coding-task' : undefined);
  if (workflowId === undefined) error([], 'missing-field', 'workflowId is required (the workflow this trigger runs)');
  const workspacePath = raw.workspacePath ?? options.defaultWorkspace;
  const branchStrategy = raw.branchStrategy ?? 'none';
  if (workspacePath === undefined) {
    error([], 'missing-field', 'workspacePath is required (or set WORKRAIL_DEFAULT_WORKSPACE in config.json)');
  } else if (!isDirectory(workspacePath)) {
    error(['workspacePath'], 'workspace-missing', `workspacePath ${workspacePath} does not exist`);
  } else if (branchStrategy !== 'none' && !existsSync(path.join(workspacePath, '.git'))) {
    error(['workspacePath'], 'workspace-not-git', `workspacePath ${workspacePath} is not a git work tree`);
  } else if (workflowId !== undefined && options.workflowExists?.(workflowId, workspacePath) === false) {
    error(
      ['workflowId'],
      'unknown-workflow',
      `workflow "${workflowId}" is not in the catalogue seen from ${workspacePath}`,
    );
  }
  const autoCommit = raw.autoCommit ?? false;
  const autoOpenPR = raw.autoOpenPR ?? false;
  const autoPush = raw.autoPush ?? autoOpenPR;
  if (autoCommit && branchStrategy !== 'worktree') {
    error(['autoCommit'], 'autocommit-needs-worktree', 'autoCommit requires branchStrategy: worktree');
  }
  if (autoPush && !autoCommit) error(['autoPush'], 'autopush-needs-autocommit', 'autoPush requires autoCommit: true');
  if (autoOpenPR && !autoPush) error(['autoOpenPR'], 'autoopenpr-needs-autopush', 'autoOpenPR requires autoPush: true');
  const agent = resolveAgentConfig(raw.agentConfig, options.env);
  if (!agent.ok)
    error(
      ['agentConfig'],
      agent.field === 'agentConfig.model' ? 'invalid-value' : 'missing-credentials',
      agent.message,
    );
  const loopback = options.host === undefined || isLoopback(options.host);
  if (raw.provider === 'generic' && raw.hmacSecret === undefined) {
    if (loopback)
      report(['id'], 'warning', 'open-webhook', 'no hmacSecret: anyone who can reach the daemon can fire this webhook');
    else error(['id'], 'hmac-required', `hmacSecret is required when the daemon listens on ${options.host}`);
  }
  if (raw.provider !== 'generic' && raw.source === undefined) {
    error([], 'missing-field', `source is required for provider ${raw.provider}`);
  }
  for (const issue of sourceIssues(raw.provider, raw.source)) {
    failed = true;
    reportIssue({ ...issue, path: ['source', ...issue.path] } as z.core.$ZodIssue, report);
  }
  if (raw.provider === 'schedule') {
    for (const problem of checkScheduleTrigger(raw)) error(problem.path, problem.rule, problem.message);
  }
  const concurrency =
    raw.concurrency ?? (raw.concurrencyMode === 'parallel' ? Number.MAX_SAFE_INTEGER : DEFAULTS.concurrency);
  if (concurrency > 1 && branchStrategy === 'none') {
    report(
      ['concurrency'],
      'warning',
      'shared-checkout',
      'concurrency > 1 with branchStrategy: none shares one checkout',
    );
  }
  if (raw.goalTemplate !== undefined && raw.goal === undefined) {
    report(
      ['goalTemplate'],
      'info',
      'no-goal-fallback',
      'goalTemplate has no `goal` fallback; a payload missing a token gets 400',
    );
  }
  if (failed || workflowId === undefined || workspacePath === undefined || !agent.ok) return null;
  return {
    id: raw.id,
    provider: raw.provider,
    workflowId,
    workspacePath,
    goal: raw.goal,
    goalTemplate: raw.goalTemplate ?? (raw.goal === undefined ? '{{$.goal}}' : undefined),
    contextMapping: raw.contextMapping ?? {},
    referenceUrls: raw.referenceUrls ?? [],
    soulFile: raw.soulFile?.replace(/^~(?=\/)/, os.homedir()),
    hmacSecret: raw.hmacSecret,
    dispatchCondition:
      raw.dispatchCondition === undefined
        ? []
        : Array.isArray(raw.dispatchCondition)
          ? raw.dispatchCondition
          : [raw.dispatchCondition],
    branchStrategy,
    autoCommit,
    autoPush,
    autoOpenPR,
    baseBranch: raw.baseBranch,
    branchPrefix: raw.branchPrefix ?? DEFAULTS.branchPrefix,
    secretScan: raw.secretScan ?? DEFAULTS.secretScan,
    prTemplate: raw.prTemplate,
    prTitlePrefix: raw.prTitlePrefix ?? DEFAULTS.prTitlePrefix,
    forge: raw.forge ?? {},
    concurrency,
    maxQueueDepth: raw.maxQueueDepth ?? DEFAULTS.maxQueueDepth,
    maxDispatchAttempts: raw.maxDispatchAttempts ?? DEFAULTS.maxDispatchAttempts,
    callbackUrl: raw.callbackUrl,
    agent: agent.value,
    source: raw.source ?? {},
    written,
    line,
  };
}

function reportIssue(issue: z.core.$ZodIssue, report: Report): void {
  const p = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      report(
        [...p, key],
        'error',
        'unknown-key',
        `unknown key "${fieldPath([...p, key])}" (keys starting with x- are ignored)`,
        true,
      );
    }
    return;
  }
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) {
    report(p, 'error', 'missing-field', `${fieldPath(p)} is required`);
    return;
  }
  const accepted = issue.code === 'invalid_value' ? ` (accepted: ${issue.values.map(String).join(', ')})` : '';
  report(p, 'error', 'invalid-value', `${fieldPath(p)} ${issue.message}${accepted}, got ${JSON.stringify(input)}`);
}

/** `extends` templates applied left to right, then the trigger; maps merge by key, scalars and lists replace. */
function applyExtends(item: Json, templates: Json, fail: (message: string) => void): Json {
  const names = typeof item.extends === 'string' ? [item.extends] : Array.isArray(item.extends) ? item.extends : [];
  let merged: Json = {};
  for (const templateName of names) {
    const template = typeof templateName === 'string' ? templates[templateName] : undefined;
    if (!isObject(template)) {
      fail(
        `extends names "${String(templateName)}", which is not under defaults: (known: ${Object.keys(templates).join(', ') || 'none'})`,
      );
      continue;
    }
    merged = mergeTrigger(merged, template);
  }
  const { extends: _ignored, ...own } = item;
  return mergeTrigger(merged, own);
}

const MERGED_MAPS = new Set(['agentConfig', 'source', 'forge', 'contextMapping']);

function mergeTrigger(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = MERGED_MAPS.has(key) && isObject(out[key]) && isObject(value) ? { ...out[key], ...value } : value;
  }
  return out;
}

function withoutIgnoredKeys(item: Json, legacy: (key: string) => void): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(item)) {
    if (key.startsWith('x-')) continue;
    if ((LEGACY_KEYS as readonly string[]).includes(key)) {
      legacy(key);
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** Substitutes every string; returns null (after reporting) when a variable is missing. */
function substituteAll(
  value: unknown,
  env: Env,
  at: PathSegment[],
  secrets: string[],
  missing: (p: readonly PathSegment[], variable: string) => void,
): unknown {
  if (typeof value === 'string') {
    const result = substituteVariables(value, env);
    if (!result.ok) {
      missing(at, result.missing);
      return null;
    }
    secrets.push(...result.used);
    return result.value;
  }
  if (Array.isArray(value)) {
    const out = value.map((entry, i) => substituteAll(entry, env, [...at, i], secrets, missing));
    return out.some((entry, i) => entry === null && value[i] !== null) ? null : out;
  }
  if (isObject(value)) {
    const out: Json = {};
    let failed = false;
    for (const [key, entry] of Object.entries(value)) {
      out[key] = substituteAll(entry, env, [...at, key], secrets, missing);
      if (out[key] === null && entry !== null) failed = true;
    }
    return failed ? null : out;
  }
  return value;
}

function fieldPath(p: readonly PathSegment[]): string {
  return p.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function finding(
  file: string,
  line: number,
  column: number,
  severity: Severity,
  rule: string,
  triggerId: string | null,
  field: string | null,
  message: string,
): Finding {
  return { file, line, column, severity, rule, triggerId, field, message };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
