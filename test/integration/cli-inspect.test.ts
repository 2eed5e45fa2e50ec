import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundledEntries } from '../../scripts/generate-workflow-docs.js';
import { doc, runCli, tempDir, write } from './cli-helpers.js';

describe('workrail inspect', () => {
  it('prints metadata and the outline with loops, run conditions, confirmations and output contracts', async () => {
    const run = await runCli(['inspect', 'wr.bug-investigation']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Bug Investigation (wr.bug-investigation v2.0.0)');
    expect(run.stdout).toContain('Tags:    investigation, coding');
    expect(run.stdout).toContain(
      '2. gather-evidence — Gather evidence without a reproduction  [when reproduced == false]',
    );
    expect(run.stdout).toContain(
      '3. hypothesis-loop — Test hypotheses  [while loop, until a wr.loop_control stop, max 5]',
    );
    expect(run.stdout).toContain(
      '3.3 decide-next — Continue or stop  [output wr.contracts.loop_control; notes optional]',
    );
    expect(run.stdout).toContain('5. plan-fix — Plan the fix  [when rootCauseConfirmed == true]');
    expect(run.stdout).toContain('7. report — Report to the user  [confirm with user]');
    expect(run.stdout).toContain('First step: reproduce — Reproduce the bug');
  });

  it('shows forEach loops and template-expanded steps', async () => {
    const review = await runCli(['inspect', 'wr.mr-review']);
    expect(review.stdout).toContain('3. review-areas — Review each area  [forEach loop, over reviewAreas, max 8]');
    expect(review.stdout).toContain('3.1 review-area — Review {{area.name}}');
    const coding = await runCli(['inspect', 'wr.coding-task']);
    expect(coding.stdout).toContain(
      '3. understand.locate — Locate the code this task changes  [when taskComplexity != "Small"]',
    );
    expect(coding.stdout).toContain('7.2 verify-slice.run-checks — Verify the slice "{{slice.name}}"');
    expect(coding.stdout).toContain('13. handoff — Hand off the change  [output wr.contracts.coding_handoff]');
  });

  it('outlines every bundled workflow: each compiled step once, with its condition, loop or contract', async () => {
    for (const entry of loadBundledEntries()) {
      const run = await runCli(['inspect', entry.id]);
      expect({ id: entry.id, code: run.code }).toEqual({ id: entry.id, code: 0 });
      const outline = run.stdout.slice(run.stdout.indexOf('Steps:'), run.stdout.indexOf('First step:'));
      for (const step of entry.workflow.steps) {
        expect(outline).toContain(` ${step.id} — `);
        const line = outline.split('\n').find((l) => l.includes(` ${step.id} — `)) ?? `${entry.id}: ${step.id} missing`;
        if (step.runCondition !== undefined) expect(line).toContain('[when ');
        if (step.kind === 'loop') {
          expect(line).toContain(`${step.loop.type} loop`);
          for (const body of step.body) expect(outline).toContain(` ${body.id} — `);
        }
        if (step.kind === 'standard' && step.outputContract !== undefined) {
          expect(line).toContain(`output ${step.outputContract.contractRef}`);
        }
      }
    }
  });

  it('shows virtual steps and compound conditions compactly', async () => {
    const ws = tempDir();
    const condition = { and: [{ var: 'mode', in: ['full', 'deep'] }, { not: { var: 'skipAudit' } }] };
    write(
      path.join(ws, '.workrail', 'workflows'),
      'audited.json',
      doc('acme.audited', {
        steps: [
          {
            id: 'build-it',
            title: 'Build',
            prompt: 'Build it.',
            runCondition: condition,
            audit: { prompt: 'Audit it.' },
          },
        ],
      }),
    );
    const run = await runCli(['inspect', 'acme.audited', '--workspace', ws]);
    expect(run.stdout).toContain('1. build-it — Build  [when mode in ["full","deep"] and not skipAudit]');
    expect(run.stdout).toContain(
      '2. build-it__audit — Audit: Build  [audit of build-it; when mode in ["full","deep"] and not skipAudit]',
    );
  });

  it('prints the inspect_workflow response with --json', async () => {
    const run = await runCli(['inspect', 'wr.quick-task', '--json']);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({ workflowId: 'wr.quick-task', mode: 'preview', source: { kind: 'bundled' } });
    expect(output.workflowHash).toMatch(/^sha256:/);
  });

  it('exits 1 and suggests similar ids for an unknown workflow', async () => {
    const run = await runCli(['inspect', 'wr.mr-reveiw']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('workrail inspect: No workflow with id "wr.mr-reveiw".\nSimilar ids: wr.mr-review\n');
  });

  it('exits 2 when the workflow id is missing', async () => {
    const run = await runCli(['inspect']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing required argument 'workflowId'");
  });
});
