import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPrBody, findPrTemplate } from '../../../src/daemon/delivery/pr-body.js';

const TEMPLATE = '## Summary\nWhat changed?\n\n## Testing\n- [ ] unit\n\n### Risk\nLow/medium/high\n';
const IDS = { sessionId: 'wt_1', triggerId: 'fix-issue', workflowId: 'acme.flow' };

describe('buildPrBody', () => {
  it('appends each template section missing from prBody with its template content, then Closes and the footer', () => {
    const body = buildPrBody({ prBody: '## summary\nAdds X.', template: TEMPLATE, issueNumber: 7, ...IDS });
    expect(body).toBe(
      [
        '## summary\nAdds X.',
        '## Testing\n- [ ] unit',
        '### Risk\nLow/medium/high',
        'Closes #7',
        '---\n🤖 Automated by WorkTrain | Session: wt_1 | Trigger: fix-issue | Workflow: acme.flow',
      ].join('\n\n') + '\n',
    );
  });

  it('has no Closes line without an issue number and lists follow-up tickets', () => {
    const body = buildPrBody({
      prBody: 'Body.',
      template: null,
      issueNumber: null,
      followUpTickets: ['A', 'B'],
      ...IDS,
    });
    expect(body).not.toContain('Closes');
    expect(body).toContain('Follow-up tickets:\n- A\n- B');
    expect(body.startsWith('Body.\n\n')).toBe(true);
  });

  it('ignores heading-like lines inside code fences', () => {
    const body = buildPrBody({
      prBody: 'Text\n```sh\n## Testing\n```',
      template: TEMPLATE,
      issueNumber: '12',
      ...IDS,
    });
    expect(body).toContain('## Testing\n- [ ] unit');
    expect(body).toContain('Closes #12');
  });
});

describe('findPrTemplate', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  it('takes the first template of the §8.4 order, the named one when given, and GitLab templates first for GitLab', () => {
    root = mkdtempSync(path.join(tmpdir(), 'worktrain-tpl-'));
    expect(findPrTemplate(root, undefined, 'github')).toBeNull();
    write('.github/PULL_REQUEST_TEMPLATE/b.md', 'b');
    write('.github/PULL_REQUEST_TEMPLATE/a.md', 'a');
    expect(findPrTemplate(root, undefined, 'github')).toBe('a');
    write('docs/pull_request_template.md', 'docs');
    expect(findPrTemplate(root, undefined, 'github')).toBe('docs');
    write('.github/pull_request_template.md', 'lower');
    expect(findPrTemplate(root, undefined, null)).toBe('lower');
    write('.gitlab/merge_request_templates/Other.md', 'other');
    expect(findPrTemplate(root, undefined, 'gitlab')).toBe('other');
    write('.gitlab/merge_request_templates/Default.md', 'default');
    expect(findPrTemplate(root, undefined, 'gitlab')).toBe('default');
    expect(findPrTemplate(root, 'docs/pull_request_template.md', 'gitlab')).toBe('docs');
    expect(findPrTemplate(root, 'missing.md', 'github')).toBeNull();
  });
});
