// Legacy validation criteria on the notes text (docs: workflow-format.md §6.5).
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonObject, ValidationCriteria, ValidationRule } from '../workflow/types.js';
import { compileRegex, type EvalContext, evaluateCondition } from './conditions.js';

/** `failed`: messages of the rules that made the criteria fail. `error`: the criteria could not be evaluated. */
export type CriteriaResult =
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly failed: readonly string[] }
  | { readonly kind: 'error'; readonly message: string };

interface Evaluation {
  readonly pass: boolean;
  /** Messages of applicable rules that failed / passed (a `not` swaps them). */
  readonly failed: readonly string[];
  readonly passed: readonly string[];
  readonly error?: string;
}

/** Evaluates criteria against the notes; a rule whose `condition` is false does not apply. Never throws. */
export function evaluateCriteria(criteria: ValidationCriteria, notes: string, ctx: EvalContext): CriteriaResult {
  const result = evaluate(criteria, notes, ctx);
  if (result.error !== undefined) return { kind: 'error', message: result.error };
  return result.pass ? { kind: 'pass' } : { kind: 'fail', failed: result.failed };
}

function evaluate(criteria: ValidationCriteria, notes: string, ctx: EvalContext): Evaluation {
  if (Array.isArray(criteria)) return all(criteria as readonly ValidationCriteria[], notes, ctx);
  if ('and' in criteria) return all(criteria.and, notes, ctx);
  if ('or' in criteria) {
    const parts = criteria.or.map((c) => evaluate(c, notes, ctx));
    const error = parts.find((p) => p.error !== undefined)?.error;
    const pass = parts.some((p) => p.pass);
    return withError(
      { pass, failed: pass ? [] : parts.flatMap((p) => p.failed), passed: parts.flatMap((p) => p.passed) },
      error,
    );
  }
  if ('not' in criteria) {
    const inner = evaluate(criteria.not, notes, ctx);
    return withError({ pass: !inner.pass, failed: inner.passed, passed: inner.failed }, inner.error);
  }
  return evaluateRule(criteria as ValidationRule, notes, ctx);
}

function all(members: readonly ValidationCriteria[], notes: string, ctx: EvalContext): Evaluation {
  const parts = members.map((c) => evaluate(c, notes, ctx));
  const error = parts.find((p) => p.error !== undefined)?.error;
  return withError(
    {
      pass: parts.every((p) => p.pass),
      failed: parts.flatMap((p) => p.failed),
      passed: parts.flatMap((p) => p.passed),
    },
    error,
  );
}

const withError = (evaluation: Evaluation, error: string | undefined): Evaluation =>
  error === undefined ? evaluation : { ...evaluation, error };

function evaluateRule(rule: ValidationRule, notes: string, ctx: EvalContext): Evaluation {
  if (rule.condition !== undefined && !evaluateCondition(rule.condition, ctx)) {
    return { pass: true, failed: [], passed: [] };
  }
  const outcome = testRule(rule, notes);
  if (typeof outcome === 'string') return { pass: false, failed: [], passed: [], error: outcome };
  return outcome
    ? { pass: true, failed: [], passed: [rule.message] }
    : { pass: false, failed: [rule.message], passed: [] };
}

/** True/false, or an error message when the rule cannot be evaluated. */
function testRule(rule: ValidationRule, notes: string): boolean | string {
  switch (rule.type) {
    case 'contains':
      return notes.includes(rule.value);
    case 'regex': {
      const regex = compileRegex(rule.pattern, rule.flags);
      return regex === null ? `invalid regex /${rule.pattern}/${rule.flags ?? ''}` : regex.test(notes);
    }
    case 'length':
      return (
        (rule.min === undefined || notes.length >= rule.min) && (rule.max === undefined || notes.length <= rule.max)
      );
    case 'schema': {
      const validate = compileSchema(rule.schema);
      if (typeof validate === 'string') return validate;
      const parsed = parseJson(notes);
      return parsed.ok && validate(parsed.value) === true;
    }
    default:
      return `unknown rule type "${(rule as { type: unknown }).type}"`;
  }
}

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<JsonObject, ValidateFunction>();

function compileSchema(schema: JsonObject): ValidateFunction | string {
  const cached = compiled.get(schema);
  if (cached !== undefined) return cached;
  try {
    const validate = ajv.compile(schema as object);
    compiled.set(schema, validate);
    return validate;
  } catch (error) {
    return `invalid JSON Schema: ${(error as Error).message}`;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
