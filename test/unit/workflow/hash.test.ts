import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/workflow/canonical.js';
import { compileWorkflow } from '../../../src/workflow/compile.js';
import { hashCompiledWorkflow, pinCompiledWorkflow } from '../../../src/workflow/hash.js';
import { buildTemplateCatalog } from '../../../src/workflow/templates.js';
import type { CompiledWorkflow, WorkflowDocument } from '../../../src/workflow/types.js';
import { compileOk, doc, S } from './compile-helpers.js';

const fixtureDir = new URL('../../fixtures/compile/', import.meta.url);
// After an intended change of the compiled form, run with UPDATE_GOLDEN=1 to rewrite the golden files.
const updateGolden = process.env.UPDATE_GOLDEN === '1';

/**
 * Reverses the key order of every object, recursively, except the entries of `outputRequired`: their
 * order is content (it is the order of the rendered bullets).
 */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, k === 'outputRequired' ? v : reverseKeys(v)]),
  );
}

describe('workflow hash', () => {
  const base = doc([
    { ...S, runCondition: { var: 'mode', equals: 'full' }, outputContract: { contractRef: 'wr.contracts.assessment' } },
    {
      id: 'the-loop',
      type: 'loop',
      title: 'Loop',
      loop: { type: 'for', count: 2, maxIterations: 3 },
      body: [{ id: 'body-one', title: 'B', promptBlocks: { goal: 'G', outputRequired: { a: 'x', b: 'y' } } }],
    },
  ]);

  it('is sha256: followed by 64 lower-case hex digits', () => {
    expect(compileOk(base).workflow.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is the same for the same document with its keys in another order', () => {
    const reordered = reverseKeys(base) as WorkflowDocument;
    expect(Object.keys(reordered)[0]).toBe('steps');
    expect(compileOk(reordered).workflow.workflowHash).toBe(compileOk(base).workflow.workflowHash);
  });

  it('changes when outputRequired entries are reordered, because the rendered bullets change', () => {
    const blocks = (outputRequired: Record<string, string>) =>
      doc([{ id: 'step-one', title: 'One', promptBlocks: { outputRequired } }]);
    expect(compileOk(blocks({ a: 'x', b: 'y' })).workflow.workflowHash).not.toBe(
      compileOk(blocks({ b: 'y', a: 'x' })).workflow.workflowHash,
    );
  });

  it('changes when a prompt changes', () => {
    const changed = doc([{ ...S, prompt: 'Do it now.' }, ...base.steps.slice(1)]);
    expect(compileOk(changed).workflow.workflowHash).not.toBe(compileOk(base).workflow.workflowHash);
  });

  it('changes when a bound value changes', () => {
    const withSlot = doc([{ ...S, prompt: 'Ask {{wr.bindings.reviewer}}.' }], {
      extensionPoints: [{ slotId: 'reviewer', purpose: 'p', default: 'a' }],
    });
    const a = compileOk(withSlot).workflow.workflowHash;
    const b = compileOk(withSlot, { templates: new Map(), bindings: { reviewer: 'b' } }).workflow.workflowHash;
    expect(a).not.toBe(b);
  });

  it('can be recomputed from the compiled workflow with hashCompiledWorkflow', () => {
    const { workflow } = compileOk(base);
    expect(hashCompiledWorkflow(workflow)).toBe(workflow.workflowHash);
  });

  it('pins exactly the canonical JSON that is hashed, for any JSON content including integer-like keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (extra) => {
        const w = { ...extra, steps: [] } as unknown as Omit<CompiledWorkflow, 'workflowHash'>;
        const pinned = pinCompiledWorkflow(w);
        const { workflowHash, ...rest } = pinned;
        expect(canonicalJson(rest)).toBe(canonicalJson(JSON.parse(canonicalJson(w))));
        expect(workflowHash).toBe(hashCompiledWorkflow(w));
      }),
      { numRuns: 300 },
    );
  });

  it('matches the committed golden compiled form and hash', () => {
    const input = JSON.parse(readFileSync(new URL('golden.input.json', fixtureDir), 'utf8')) as {
      routines: WorkflowDocument[];
      bindings: Record<string, string>;
      document: WorkflowDocument;
    };
    const result = compileWorkflow(input.document, {
      templates: buildTemplateCatalog(input.routines),
      bindings: input.bindings,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const compiledText = `${JSON.stringify(result.workflow, null, 2)}\n`;
    const compiledUrl = new URL('golden.compiled.json', fixtureDir);
    const hashUrl = new URL('golden.hash', fixtureDir);
    if (updateGolden) {
      writeFileSync(compiledUrl, compiledText);
      writeFileSync(hashUrl, `${result.workflow.workflowHash}\n`);
    }
    expect(compiledText).toBe(readFileSync(compiledUrl, 'utf8'));
    expect(result.workflow.workflowHash).toBe(readFileSync(hashUrl, 'utf8').trim());
  });
});
