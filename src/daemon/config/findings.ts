// Validation findings of triggers.yml (docs/worktrain.md §3.8): one line per finding, or JSON with --json.

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly severity: Severity;
  readonly rule: string;
  readonly triggerId: string | null;
  readonly field: string | null;
  readonly message: string;
}

/** `<file>:<line>:<col> <severity> [<rule>] <message>`. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column} ${finding.severity} [${finding.rule}] ${finding.message}`;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'error');
}

export function summarizeFindings(findings: readonly Finding[]): string {
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`;
}
