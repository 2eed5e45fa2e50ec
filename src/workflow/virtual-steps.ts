// Generated audit, verification and synthesis steps (docs: workflow-format.md §3.5). The compiler inserts
// them directly after their parent; they inherit its runCondition and follow the normal notes rules.

import type { OutputContract, ParallelStep, StandardStep } from './types.js';

export interface VirtualStep {
  readonly id: string;
  readonly title: string;
  readonly prompt: string;
  readonly role: 'audit' | 'verification' | 'synthesis';
  readonly outputContract?: OutputContract;
}

/** The generated steps of `parent`, in the order they follow it: verification, audit, synthesis. */
export function virtualStepsOf(parent: StandardStep | ParallelStep): VirtualStep[] {
  const out: VirtualStep[] = [];
  if (parent.type === 'parallel') {
    if (parent.synthesis !== undefined) {
      out.push({
        id: `${parent.id}__synthesis`,
        title: `Synthesize: ${parent.title}`,
        prompt: parent.synthesis.prompt ?? defaultSynthesisPrompt(parent.title),
        role: 'synthesis',
        ...(parent.synthesis.outputContract === undefined ? {} : { outputContract: parent.synthesis.outputContract }),
      });
    }
    return out;
  }
  if (parent.verification !== undefined) {
    out.push({
      id: `${parent.id}__verification`,
      title: `Verify: ${parent.title}`,
      prompt: verificationPrompt(parent.verification),
      role: 'verification',
    });
  }
  if (parent.audit !== undefined) {
    out.push({
      id: `${parent.id}__audit`,
      title: `Audit: ${parent.title}`,
      prompt: auditPrompt(parent.audit, parent.title),
      role: 'audit',
    });
  }
  return out;
}

function verificationPrompt(verification: NonNullable<StandardStep['verification']>): string {
  const parts: string[] = [];
  if (verification.command !== undefined && verification.command.trim() !== '') {
    parts.push(`Run \`${verification.command}\` and report its exit status and the relevant part of its output.`);
  }
  if (verification.prompt !== undefined) parts.push(verification.prompt);
  return parts.join('\n\n');
}

function auditPrompt(audit: NonNullable<StandardStep['audit']>, parentTitle: string): string {
  const intro =
    audit.prompt ??
    `Critically review what the step "${parentTitle}" delivered: look for errors, gaps and claims without ` +
      'evidence, fix what you can, and report what remains.';
  const rubric = (audit.rubric ?? []).map((item) => `- ${item}`);
  return rubric.length === 0 ? intro : `${intro}\n\n${rubric.join('\n')}`;
}

function defaultSynthesisPrompt(parentTitle: string): string {
  return (
    `Merge the results of the delegations of "${parentTitle}": reconcile where they disagree, note what ` +
    'stays uncertain, and record one combined conclusion.'
  );
}
