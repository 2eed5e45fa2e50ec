// validationCriteria (docs: workflow-format.md §6.5, rules 46–49): a rule, an array of criteria, or a
// composition with exactly one of and/or/not.

import { z } from 'zod';
import { checkCondition, compiles } from './schema-conditions.js';
import {
  ALWAYS,
  type Ctx,
  has,
  isRecord,
  jsonTypeOf,
  nearestName,
  quote,
  type RawObject,
  report,
} from './schema-primitives.js';
import type { ValidationCriteria } from './types.js';

type Path = readonly PropertyKey[];

const RULE_FIELDS: { readonly [type: string]: readonly string[] } = {
  contains: ['value'],
  regex: ['pattern', 'flags'],
  length: ['min', 'max'],
  schema: ['schema'],
};
const COMMON_FIELDS = ['type', 'message', 'condition'];
const ALL_FIELDS = [...COMMON_FIELDS, ...Object.values(RULE_FIELDS).flat()];
const LOGIC = ['and', 'or', 'not'];

function checkCriteria(value: unknown, path: Path, ctx: Ctx): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkCriteria(item, [...path, index], ctx);
    });
  } else if (!isRecord(value)) {
    report(
      ctx,
      path,
      'type',
      `validationCriteria must be a rule object, an array or a composition; got ${jsonTypeOf(value)}`,
    );
  } else if ('type' in value) {
    checkRule(value, path, ctx);
  } else {
    checkComposition(value, path, ctx);
  }
}

function checkComposition(value: RawObject, path: Path, ctx: Ctx): void {
  const forms = LOGIC.filter((key) => key in value);
  if (forms.length !== 1) {
    const where = forms.length === 0 ? path : [...path, forms[1]!];
    report(
      ctx,
      where,
      'validation-composition',
      forms.length === 0
        ? 'A validation criterion needs a "type" (contains, regex, length, schema) or exactly one of and/or/not'
        : `A composition has exactly one of and/or/not; got ${forms.join(', ')}. Nest them instead`,
    );
  }
  for (const key of Object.keys(value)) {
    if (LOGIC.includes(key)) continue;
    const near = nearestName(key, LOGIC);
    report(
      ctx,
      [...path, key],
      'unknown-field',
      `Unknown field "${key}" on a composition; ${near ? `did you mean "${near}"?` : 'remove it'}`,
    );
  }
  for (const key of forms) {
    const member = value[key];
    if (key === 'not') checkCriteria(member, [...path, key], ctx);
    else if (!Array.isArray(member))
      report(ctx, [...path, key], 'type', `${key} must be an array of criteria; got ${jsonTypeOf(member)}`);
    else if (member.length === 0)
      report(ctx, [...path, key], 'validation-composition', `${key} needs at least one criterion`);
    else checkCriteria(member, [...path, key], ctx);
  }
}

function checkRule(rule: RawObject, path: Path, ctx: Ctx): void {
  const type = rule.type;
  const own = typeof type === 'string' ? RULE_FIELDS[type] : undefined;
  if (typeof type !== 'string')
    report(ctx, [...path, 'type'], 'type', `type must be a string; got ${jsonTypeOf(type)}`);
  else if (own === undefined) {
    report(ctx, [...path, 'type'], 'enum', `type must be one of contains, regex, length, schema; got ${quote(type)}`);
  }
  for (const key of Object.keys(rule)) {
    if (COMMON_FIELDS.includes(key) || own === undefined || own.includes(key)) continue;
    if (ALL_FIELDS.includes(key)) {
      report(ctx, [...path, key], 'validation-rule-fields', `${key} is not used by a ${type} rule; remove it`);
    }
  }
  for (const key of Object.keys(rule)) {
    if (ALL_FIELDS.includes(key)) continue;
    const near = nearestName(key, ALL_FIELDS);
    report(
      ctx,
      [...path, key],
      'unknown-field',
      `Unknown field "${key}" on a validation rule; ${near ? `did you mean "${near}"?` : 'remove it'}`,
    );
  }
  if (!has(rule, 'message'))
    report(ctx, [...path, 'message'], 'required', 'message is required: the text shown when the rule fails');
  else if (typeof rule.message !== 'string')
    report(ctx, [...path, 'message'], 'type', `message must be a string; got ${jsonTypeOf(rule.message)}`);
  if (has(rule, 'condition')) checkCondition(rule.condition, [...path, 'condition'], ctx);
  if (type === 'contains') checkField(rule, 'value', 'string', path, ctx);
  if (type === 'schema') checkField(rule, 'schema', 'object', path, ctx);
  if (type === 'regex') checkRegex(rule, path, ctx);
  if (type === 'length') checkLength(rule, path, ctx);
}

function checkField(rule: RawObject, key: string, expected: 'string' | 'object', path: Path, ctx: Ctx): void {
  if (!has(rule, key)) {
    report(ctx, [...path, key], 'validation-rule-fields', `A ${rule.type} rule needs "${key}"`);
  } else if (expected === 'object' ? !isRecord(rule[key]) : typeof rule[key] !== expected) {
    report(
      ctx,
      [...path, key],
      'type',
      `${key} must be ${expected === 'object' ? 'an object' : 'a string'}; got ${jsonTypeOf(rule[key])}`,
    );
  }
}

function checkRegex(rule: RawObject, path: Path, ctx: Ctx): void {
  checkField(rule, 'pattern', 'string', path, ctx);
  const flags = rule.flags;
  if (has(rule, 'flags') && typeof flags !== 'string') {
    report(ctx, [...path, 'flags'], 'type', `flags must be a string; got ${jsonTypeOf(flags)}`);
    return;
  }
  if (typeof rule.pattern !== 'string') return;
  if (typeof flags === 'string' && !compiles('', flags)) {
    report(ctx, [...path, 'flags'], 'validation-rule-regex', `flags ${quote(flags)} are not valid RegExp flags`);
  } else if (!compiles(rule.pattern, flags as string | undefined)) {
    report(
      ctx,
      [...path, 'pattern'],
      'validation-rule-regex',
      `pattern ${quote(rule.pattern)} is not a valid regular expression`,
    );
  }
}

function checkLength(rule: RawObject, path: Path, ctx: Ctx): void {
  let valid = true;
  for (const key of ['min', 'max']) {
    if (!has(rule, key)) continue;
    const bound = rule[key];
    if (typeof bound !== 'number') {
      report(ctx, [...path, key], 'type', `${key} must be a number; got ${jsonTypeOf(bound)}`);
      valid = false;
    } else if (!Number.isInteger(bound) || bound < 0) {
      report(ctx, [...path, key], 'number-range', `${key} must be an integer of at least 0; got ${bound}`);
      valid = false;
    }
  }
  if (!has(rule, 'min') && !has(rule, 'max')) {
    report(ctx, path, 'validation-rule-bounds', 'A length rule needs "min", "max" or both');
  } else if (valid && typeof rule.min === 'number' && typeof rule.max === 'number' && rule.min > rule.max) {
    report(
      ctx,
      [...path, 'max'],
      'validation-rule-bounds',
      `max (${rule.max}) must not be less than min (${rule.min})`,
    );
  }
}

/** validationCriteria (§6.5). */
export const criteriaSchema = z
  .custom<ValidationCriteria>(() => true)
  .superRefine((value, ctx) => {
    checkCriteria(value, [], ctx);
  }, ALWAYS);
