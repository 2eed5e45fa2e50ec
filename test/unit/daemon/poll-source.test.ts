import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTriggers } from '../../../src/daemon/config/load-triggers.js';

const ws = mkdtempSync(path.join(tmpdir(), 'poll-source-'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

function findings(provider: string, source: string) {
  const text = `triggers:
  - id: p
    provider: ${provider}
    workflowId: wf
    workspacePath: ${ws}
    agentConfig: { apiKey: k }
    source:
${source}
`;
  return parseTriggers(text, '/x/triggers.yml', { env: {} }).findings.filter((f) => f.severity === 'error');
}

describe('poller source validation', () => {
  it('reports a missing repo with the line and column of the source', () => {
    const errors = findings('github_issues_poll', '      token: t');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ rule: 'missing-field', field: 'source.repo', line: 8 });
    expect(errors[0]?.message).toContain('source.repo is required');
  });

  it('rejects unknown source keys, a short interval and a bad queueType', () => {
    const errors = findings(
      'github_queue_poll',
      '      repo: o/r\n      token: t\n      queueType: nobody\n      pollIntervalSeconds: 2\n      colour: red',
    );
    expect(errors.map((e) => e.rule).sort()).toEqual(['invalid-value', 'invalid-value', 'unknown-key']);
    expect(errors.map((e) => e.message).join('\n')).toContain('at least 10 seconds');
    expect(errors.map((e) => e.message).join('\n')).toContain('accepted: assignee, label, query');
  });

  it('requires queueLabel for a label queue, and jql or project for Jira', () => {
    expect(
      findings('github_queue_poll', '      repo: o/r\n      token: t\n      queueType: label')[0]?.message,
    ).toContain('queueLabel is required');
    expect(findings('jira_poll', '      baseUrl: https://jira.example\n      token: t')[0]?.message).toContain(
      'needs jql, or project',
    );
  });

  it('accepts complete sources of every polling provider', () => {
    expect(findings('github_prs_poll', '      repo: o/r\n      token: t\n      excludeAuthors: bot1 bot2')).toEqual([]);
    expect(findings('gitlab_poll', '      baseUrl: https://gl.example\n      projectId: 12\n      token: t')).toEqual(
      [],
    );
    expect(findings('jira_poll', '      baseUrl: https://jira.example\n      token: t\n      project: ABC')).toEqual(
      [],
    );
  });
});
