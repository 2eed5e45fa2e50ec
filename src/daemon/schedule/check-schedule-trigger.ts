// Load-time rules of a `schedule` trigger (docs/worktrain.md §3.8, §4.3): a valid `source.cron` and `source.timezone`,
// and a goal — `goal`, or a `goalTemplate` whose tokens are among {triggerId, scheduledAt, firedAt}.
import { checkScheduleSource } from './cron-schedule.js';

export interface ScheduleProblem {
  /** Field path inside the trigger. */
  readonly path: readonly string[];
  readonly rule: string;
  readonly message: string;
}

const TEMPLATE_KEYS = ['triggerId', 'scheduledAt', 'firedAt'];
const TOKEN = /\{\{\s*([^}]+?)\s*\}\}/g;

export function checkScheduleTrigger(raw: {
  readonly goal?: string | undefined;
  readonly goalTemplate?: string | undefined;
  readonly source?: { readonly [key: string]: unknown } | undefined;
}): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (raw.source !== undefined) {
    const checked = checkScheduleSource(raw.source);
    for (const problem of checked.ok ? [] : checked.problems) {
      problems.push({ path: ['source', problem.field], rule: problem.rule, message: problem.message });
    }
    const unknown = Object.keys(raw.source).filter((key) => !['cron', 'timezone', 'catchUp'].includes(key));
    for (const key of unknown) {
      problems.push({
        path: ['source', key],
        rule: 'unknown-key',
        message: `unknown key "source.${key}" for a schedule (allowed: cron, timezone, catchUp)`,
      });
    }
  }
  if (raw.goal === undefined && raw.goalTemplate === undefined) {
    problems.push({
      path: [],
      rule: 'missing-field',
      message: 'a schedule trigger needs goal, or goalTemplate over {{triggerId}}, {{scheduledAt}}, {{firedAt}}',
    });
  }
  for (const match of (raw.goalTemplate ?? '').matchAll(TOKEN)) {
    const key = (match[1] ?? '').replace(/^\$\.?/, '');
    if (TEMPLATE_KEYS.includes(key)) continue;
    problems.push({
      path: ['goalTemplate'],
      rule: 'invalid-value',
      message: `goalTemplate token ${match[0]} is not available to a schedule (use ${TEMPLATE_KEYS.map((k) => `{{${k}}}`).join(', ')})`,
    });
  }
  return problems;
}
