// The secret scan of delivery stage 2 (docs/worktrain.md §8.3): the added lines of the staged diff are checked
// against known token shapes and the exact secrets the daemon holds. Findings name the rule and place, never the value.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git, runTool } from './git.js';

export interface SecretFinding {
  readonly rule: string;
  readonly file: string;
  readonly line: number;
}

const RULES: readonly { readonly rule: string; readonly pattern: RegExp }[] = [
  { rule: 'github-token', pattern: /\b(?:ghp|gho|ghs|ghu)_[A-Za-z0-9]{20,}/ },
  { rule: 'github-token', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/ },
  { rule: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}/ },
  { rule: 'openai-key', pattern: /\bsk-(?!ant-)[A-Za-z0-9_-]{20,}/ },
  { rule: 'aws-access-key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { rule: 'aws-secret-key', pattern: /aws_?secret(?:_?access)?_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/i },
  { rule: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { rule: 'private-key', pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY( BLOCK)?-----/ },
  {
    rule: 'generic-secret',
    pattern: /(?:password|passwd|secret|api[_-]?key|token)["']?\s*[:=]\s*["'][^"'\s]{8,}["']/i,
  },
];

/** Scans the added lines of a unified diff (`git diff --cached -U0`) for the rules above and the exact `secrets`. */
export function scanDiff(diff: string, secrets: readonly string[]): SecretFinding[] {
  const exact = secrets.filter((s) => s.length >= 4);
  const findings: SecretFinding[] = [];
  let file = '';
  let line = 0;
  for (const text of diff.split('\n')) {
    if (text.startsWith('+++ ')) {
      file = text.startsWith('+++ b/') ? text.slice(6) : text.slice(4);
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk !== null) {
      line = Number(hunk[1]);
      continue;
    }
    if (!text.startsWith('+')) continue;
    const added = text.slice(1);
    const rules = new Set<string>();
    for (const { rule, pattern } of RULES) if (pattern.test(added)) rules.add(rule);
    if (exact.some((secret) => added.includes(secret))) rules.add('daemon-secret');
    for (const rule of rules) findings.push({ rule, file, line });
    line += 1;
  }
  return findings;
}

/** Runs the built-in scan on the staged changes, then gitleaks when it is installed. */
export async function scanStaged(
  worktreePath: string,
  secrets: readonly string[],
): Promise<{ readonly ok: true; readonly findings: SecretFinding[] } | { readonly ok: false; readonly error: string }> {
  const diff = await git(worktreePath, ['diff', '--cached', '--no-color', '--no-ext-diff', '--unified=0']);
  if (!diff.ok) return { ok: false, error: `git diff --cached failed: ${diff.message}` };
  const findings = scanDiff(diff.stdout, secrets);
  findings.push(...(await gitleaks(worktreePath)));
  return { ok: true, findings };
}

export function formatFindings(findings: readonly SecretFinding[]): string {
  const unique = [...new Set(findings.map((f) => `${f.rule} in ${f.file}:${f.line}`))];
  return `${unique.length} possible secret${unique.length === 1 ? '' : 's'} in the staged changes: ${unique.join(', ')}`;
}

async function gitleaks(worktreePath: string): Promise<SecretFinding[]> {
  const version = await runTool('gitleaks', worktreePath, ['version']);
  if (!version.ok) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'worktrain-gitleaks-'));
  try {
    const report = path.join(dir, 'report.json');
    await runTool('gitleaks', worktreePath, [
      'protect',
      '--staged',
      '--redact',
      '--no-banner',
      '--report-format',
      'json',
      '--report-path',
      report,
    ]);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { RuleID?: string; File?: string; StartLine?: number }[];
    return parsed.map((leak) => ({
      rule: `gitleaks:${leak.RuleID ?? 'unknown'}`,
      file: leak.File ?? '?',
      line: leak.StartLine ?? 0,
    }));
  } catch {
    return [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
