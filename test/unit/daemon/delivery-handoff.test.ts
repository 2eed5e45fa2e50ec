import { describe, expect, it } from 'vitest';
import { parseHandoff } from '../../../src/daemon/delivery/handoff.js';

const VALID = {
  commitType: 'fix',
  commitScope: '',
  commitSubject: 'handle empty input',
  prTitle: 'Handle empty input',
  prBody: 'Fixes the crash.',
  filesChanged: ['src/a.ts'],
};

const fenced = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

describe('parseHandoff', () => {
  it('prefers the worktrain.handoff artifact over a json block in the notes', () => {
    const notes = `Done.\n${fenced({ ...VALID, prTitle: 'From notes' })}`;
    const result = parseHandoff(notes, [{ kind: 'other' }, { kind: 'worktrain.handoff', ...VALID }]);
    expect(result).toMatchObject({ ok: true, handoff: { prTitle: 'Handle empty input' } });
  });

  it('takes the first fenced json block of the notes that validates', () => {
    const notes = [
      'Summary',
      fenced({ unrelated: true }),
      'and',
      fenced(VALID),
      fenced({ ...VALID, prTitle: 'Later' }),
    ];
    const result = parseHandoff(notes.join('\n'), []);
    expect(result).toMatchObject({ ok: true, handoff: { prTitle: 'Handle empty input', commitScope: '' } });
  });

  it('defaults a missing commitScope to empty and keeps followUpTickets', () => {
    const { commitScope: _, ...withoutScope } = VALID;
    const result = parseHandoff(fenced({ ...withoutScope, followUpTickets: ['Add docs'] }), []);
    expect(result).toMatchObject({ ok: true, handoff: { commitScope: '', followUpTickets: ['Add docs'] } });
  });

  it('rejects an invalid artifact with the failing fields, even when the notes hold a valid block', () => {
    const result = parseHandoff(fenced(VALID), [
      { kind: 'worktrain.handoff', ...VALID, prTitle: '', filesChanged: 'x' },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/^invalid worktrain\.handoff artifact: /);
      expect(result.error).toContain('prTitle');
      expect(result.error).toContain('filesChanged');
    }
  });

  it('rejects a multi-line commitSubject', () => {
    const result = parseHandoff(fenced({ ...VALID, commitSubject: 'one\ntwo' }), []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('commitSubject: must be one line');
  });

  it('explains when the notes hold only broken or invalid json blocks', () => {
    const result = parseHandoff('```json\n{ not json\n```', []);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toMatch(/^no valid handoff in the final notes; json block 1 is not valid JSON/);
  });

  it('explains when there is neither an artifact nor a json block', () => {
    expect(parseHandoff(null, [])).toEqual({
      ok: false,
      error: 'no handoff: no artifact with kind "worktrain.handoff" and no fenced json block in the final notes',
    });
  });
});
