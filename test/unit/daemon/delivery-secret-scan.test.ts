import { describe, expect, it } from 'vitest';
import { formatFindings, scanDiff } from '../../../src/daemon/delivery/secret-scan.js';

const diffOf = (file: string, start: number, added: string[], removed: string[] = []) =>
  [
    `diff --git a/${file} b/${file}`,
    `--- a/${file}`,
    `+++ b/${file}`,
    `@@ -${start},${removed.length} +${start},${added.length} @@`,
    ...removed.map((l) => `-${l}`),
    ...added.map((l) => `+${l}`),
  ].join('\n');

describe('scanDiff', () => {
  it.each([
    ['github-token', `const t = "ghp_${'x'.repeat(36)}"`],
    ['github-token', `GH=github_pat_${'A1_'.repeat(10)}`],
    ['anthropic-key', `key: sk-ant-api03-${'a'.repeat(30)}`],
    ['openai-key', `OPENAI=sk-proj-${'b'.repeat(30)}`],
    ['aws-access-key', 'id = AKIAABCDEFGHIJKLMNOP'],
    ['aws-secret-key', `aws_secret_access_key = ${'a/B+'.repeat(10)}`],
    ['slack-token', 'xoxb-123456789012-abcdefABCDEF'],
    ['private-key', '-----BEGIN RSA PRIVATE KEY-----'],
    ['private-key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['generic-secret', 'password = "correcthorse"'],
    ['generic-secret', "client_secret: 'abcdefgh12'"],
    ['generic-secret', '"api_key": "0123456789"'],
  ])('finds %s in an added line', (rule, line) => {
    expect(scanDiff(diffOf('a.ts', 3, ['ok', line]), []).map((f) => f.rule)).toContain(rule);
  });

  it('reports file and line numbers from the hunk header, only for added lines', () => {
    const diff = [
      diffOf('src/a.ts', 10, ['fine', 'token = "abcdefghij"'], ['password = "removedremoved"']),
      diffOf('b.txt', 1, ['the-daemon-secret here']),
    ].join('\n');
    expect(scanDiff(diff, ['the-daemon-secret', 'abc'])).toEqual([
      { rule: 'generic-secret', file: 'src/a.ts', line: 11 },
      { rule: 'daemon-secret', file: 'b.txt', line: 1 },
    ]);
  });

  it('does not flag ordinary code', () => {
    const lines = ['const token = getToken();', 'password: string', 'skip-this = 1', 'const sk = "sk-short"'];
    expect(scanDiff(diffOf('a.ts', 1, lines), [])).toEqual([]);
  });

  it('formats findings without values, once per place', () => {
    const f = { rule: 'github-token', file: 'a.ts', line: 2 };
    expect(formatFindings([f, f])).toBe('1 possible secret in the staged changes: github-token in a.ts:2');
  });
});
