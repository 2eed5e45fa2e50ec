// Small text formatters shared by the CLI commands.

import path from 'node:path';
import type { Condition } from '../workflow/types.js';

/** Relative to the working directory when inside it, otherwise absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? file : rel;
}

const SYMBOLS: { readonly [operator: string]: string } = {
  equals: '==',
  not_equals: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/** One-line rendering of a condition, e.g. `severity in ["high","critical"] and not hasRepro`. */
export function formatCondition(condition: Condition, nested = false): string {
  if ('and' in condition || 'or' in condition) {
    const operator = 'and' in condition ? 'and' : 'or';
    const members = 'and' in condition ? condition.and : condition.or;
    const text = members.map((member) => formatCondition(member, true)).join(` ${operator} `);
    return nested && members.length > 1 ? `(${text})` : text;
  }
  if ('not' in condition) return `not ${formatCondition(condition.not, true)}`;
  const operator = Object.keys(condition).find((key) => key !== 'var');
  if (operator === undefined) return condition.var;
  const operand = JSON.stringify((condition as { readonly [key: string]: unknown })[operator]);
  return `${condition.var} ${SYMBOLS[operator] ?? operator} ${operand}`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}
