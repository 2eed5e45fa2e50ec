// Conditions (docs: workflow-format.md §4.1, rules 50–58) and requireConfirmation (§7, rule 59).
// Checked by hand-written walkers wrapped in zod, because each malformed form has its own rule.

import { z } from 'zod';
import { ALWAYS, type Ctx, isRecord, jsonTypeOf, quote, type RawObject, report } from './schema-primitives.js';
import { COMPARISON_OPERATORS, type Condition, type ConfirmationRule } from './types.js';

const OPERATORS: ReadonlySet<string> = new Set(COMPARISON_OPERATORS);
const LOGIC = ['and', 'or', 'not'] as const;
const NUMBER_OPERATORS = new Set(['gt', 'gte', 'lt', 'lte']);
const STRING_OPERATORS = new Set(['contains', 'startsWith', 'endsWith', 'matches']);
const EXAMPLE = '{"var": "name", "equals": "value"}';

type Path = readonly PropertyKey[];

/** Reports every problem of the condition at `path` (relative to the refined value). */
export function checkCondition(value: unknown, path: Path, ctx: Ctx): void {
  if (!isRecord(value)) {
    report(ctx, path, 'type', `A condition must be an object such as ${EXAMPLE}; got ${jsonTypeOf(value)}`);
    return;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) {
    report(ctx, path, 'condition-empty', `A condition must not be empty; write for example ${EXAMPLE}`);
    return;
  }
  for (const key of keys) {
    if (key !== 'var' && !OPERATORS.has(key) && !(LOGIC as readonly string[]).includes(key)) {
      report(
        ctx,
        [...path, key],
        'condition-operator-unknown',
        `Unknown condition key "${key}"; use var with one of ${COMPARISON_OPERATORS.join(', ')}, or and/or/not`,
      );
    }
  }
  const logic = LOGIC.filter((key) => key in value);
  const operators = keys.filter((key) => OPERATORS.has(key));
  if ('var' in value) checkVar(value, path, logic, ctx);
  else if (operators.length > 0) {
    report(
      ctx,
      [...path, operators[0]!],
      'condition-operator-without-var',
      `Operator ${operators[0]} needs a "var" naming the variable to compare, e.g. ${EXAMPLE}`,
    );
  }
  if (logic.length > 1) {
    report(
      ctx,
      [...path, logic[1]!],
      'condition-mixed-forms',
      `A condition uses exactly one of and/or/not; split ${logic.join(' and ')} into nested conditions`,
    );
  }
  if ('var' in value && operators.length > 1) {
    report(
      ctx,
      [...path, operators[1]!],
      'condition-multiple-operators',
      `A comparison has one operator; got ${operators.join(', ')}. Combine several comparisons with "and"`,
    );
  }
  for (const operator of operators) checkOperand(value, operator, [...path, operator], ctx);
  for (const key of logic) checkLogic(value[key], key, [...path, key], ctx);
}

function checkVar(value: RawObject, path: Path, logic: readonly string[], ctx: Ctx): void {
  const name = value.var;
  if (typeof name !== 'string') {
    report(ctx, [...path, 'var'], 'type', `var must be a string naming a context variable; got ${jsonTypeOf(name)}`);
  } else if (name.trim() === '') {
    report(ctx, [...path, 'var'], 'condition-var-empty', 'var must name a context variable; got an empty string');
  }
  if (logic.length > 0) {
    report(
      ctx,
      [...path, logic[0]!],
      'condition-mixed-forms',
      `A condition with "var" cannot also use ${logic[0]}; nest the comparison inside the ${logic[0]} instead`,
    );
  }
}

function checkOperand(value: RawObject, operator: string, path: Path, ctx: Ctx): void {
  const operand = value[operator];
  if (NUMBER_OPERATORS.has(operator) && typeof operand !== 'number') {
    report(
      ctx,
      path,
      'condition-operand-type',
      `${operator} compares numbers; its operand must be a number, got ${quote(operand)}`,
    );
  } else if (operator === 'in' && !Array.isArray(operand)) {
    report(ctx, path, 'condition-operand-type', `in needs an array of candidate values; got ${quote(operand)}`);
  } else if (STRING_OPERATORS.has(operator) && typeof operand !== 'string') {
    report(ctx, path, 'condition-operand-type', `${operator} needs a string operand; got ${quote(operand)}`);
  } else if (operator === 'matches' && typeof operand === 'string' && !compiles(operand, 'i')) {
    report(
      ctx,
      path,
      'condition-regex',
      `matches must be a valid regular expression; ${quote(operand)} does not compile`,
    );
  }
}

function checkLogic(member: unknown, key: string, path: Path, ctx: Ctx): void {
  if (key === 'not') {
    checkCondition(member, path, ctx);
    return;
  }
  if (!Array.isArray(member)) {
    report(ctx, path, 'type', `${key} must be an array of conditions; got ${jsonTypeOf(member)}`);
    return;
  }
  if (member.length === 0) {
    report(ctx, path, 'condition-logic-empty', `${key} needs at least one condition`);
    return;
  }
  member.forEach((item, index) => {
    checkCondition(item, [...path, index], ctx);
  });
}

export function compiles(pattern: string, flags?: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

/** A condition (§4.1); every malformed form is reported under its own rule. */
export const conditionSchema = z
  .custom<Condition>(() => true)
  .superRefine((value, ctx) => {
    checkCondition(value, [], ctx);
  }, ALWAYS);

const CONFIRMATION_KINDS = ['coordinator_eval', 'human_approval'];

/** requireConfirmation (§7): boolean, a condition, or `{kind, condition?}`. */
export const confirmationSchema = z
  .custom<ConfirmationRule>(() => true)
  .superRefine((value, ctx) => {
    if (typeof value === 'boolean') return;
    if (!isRecord(value)) {
      report(
        ctx,
        [],
        'confirmation-form',
        `requireConfirmation must be true/false, a condition, or {"kind": "human_approval", "condition"?: ...}; got ${quote(value)}`,
      );
      return;
    }
    if (!('kind' in value)) {
      checkCondition(value, [], ctx);
      return;
    }
    if (!CONFIRMATION_KINDS.includes(value.kind as string)) {
      report(
        ctx,
        ['kind'],
        'confirmation-form',
        `requireConfirmation kind must be "coordinator_eval" or "human_approval"; got ${quote(value.kind)}`,
      );
    }
    for (const key of Object.keys(value)) {
      if (key !== 'kind' && key !== 'condition') {
        report(
          ctx,
          [key],
          'confirmation-form',
          `requireConfirmation {kind} allows only "condition" besides kind; remove "${key}"`,
        );
      }
    }
    if ('condition' in value) checkCondition(value.condition, ['condition'], ctx);
  }, ALWAYS);
