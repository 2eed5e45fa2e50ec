import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, utf8Length } from '../../../src/workflow/canonical.js';
import { type ValidationReport, validateWorkflow } from '../../../src/workflow/validate.js';
import { doc, type JsonObject, loopStep, P, S, TEMPLATES, withStep } from '../../fixtures/validate/base.js';

const options = { templates: TEMPLATES };
const validate = (input: unknown) => validateWorkflow(input, options);
const brief = (report: ValidationReport) => report.issues.map(({ rule, path }) => ({ rule, path }));

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/validate/${name}`, import.meta.url), 'utf8');
}

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('validateWorkflow on the examples of workflow-format.md §12', () => {
  it.each(['linear', 'conditional', 'for-each', 'loop-control'])('accepts and compiles the %s example', (name) => {
    const report = validate(fixture(`example-${name}.json`));
    expect(report.issues).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.document?.id).toMatch(/^acme\./);
    expect(report.workflow?.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('validateWorkflow on garbage input', () => {
  const garbage: [string, unknown][] = [
    ['an empty string', ''],
    ['binary junk', '\u0000\u0001\u00ff\ufffd\u0007PK\u0003\u0004'],
    ['whitespace only', '   \n\t '],
    ['a bare number', '42'],
    ['null text', 'null'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 3.14],
    ['a boolean', true],
    ['an array', [1, 2, 3]],
    ['a function', () => 1],
    ['a bigint', 10n],
    ['a Date', new Date(0)],
    ['a Map', new Map([['id', 'x']])],
    ['NaN inside an object', { id: Number.NaN }],
    ['wrong types everywhere', { id: 5, name: [], description: {}, version: 1, steps: 'x', about: false }],
    ['steps of junk', doc([null, 5, 'x', [], { type: 7 }, { id: {} }] as never)],
  ];

  it.each(garbage)('reports %s without throwing', (_, input) => {
    const report = validate(input);
    expect(report.valid).toBe(false);
    expect(report.issues.length).toBeGreaterThan(0);
    for (const issue of report.issues) {
      expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
      expect(issue.message).not.toBe('');
    }
  });

  it('reports an empty string as json-syntax at line 1, column 1', () => {
    expect(validate('').issues).toEqual([
      { path: '', rule: 'json-syntax', message: 'Invalid JSON at line 1, column 1: unexpected end of input' },
    ]);
  });

  it('states the line and column of a syntax error', () => {
    const report = validate('{\n  "id": "acme.demo",\n  "name" "Demo"\n}');
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]!.rule).toBe('json-syntax');
    expect(report.issues[0]!.message).toContain('line 3, column 10');
  });

  it('rejects 10 MB of JSON text as document-size before parsing it', () => {
    const big = JSON.stringify({ ...doc(), about: 'x'.repeat(10 * 1024 * 1024) });
    expect(brief(validate(big))).toEqual([{ rule: 'document-size', path: '' }]);
  });

  it('rejects an already-parsed value whose canonical JSON exceeds 1 MiB', () => {
    expect(brief(validate({ ...doc(), about: 'é'.repeat(600 * 1024) }))).toEqual([{ rule: 'document-size', path: '' }]);
  });

  it('measures an already-parsed value by the UTF-8 size of its canonical JSON', () => {
    const base = { ...doc(), about: '' };
    const filler = 'é"\n\u0001😀\ud800x';
    const baseSize = utf8Length(canonicalJson(base));
    const unit = utf8Length(canonicalJson(filler)) - 2;
    const repeat = Math.floor((1024 * 1024 - baseSize) / unit);
    const about = filler.repeat(repeat) + 'a'.repeat(1024 * 1024 - baseSize - repeat * unit);
    expect(utf8Length(canonicalJson({ ...base, about }))).toBe(1024 * 1024);
    const rules = (value: string) => validate({ ...base, about: value }).issues.map((issue) => issue.rule);
    expect(rules(about)).not.toContain('document-size');
    expect(rules(`${about}a`)).toEqual(['document-size']);
  });

  it('accepts a document of just under 1 MiB of text', () => {
    const text = JSON.stringify(doc());
    expect(validate(text + ' '.repeat(1024 * 1024 - text.length)).valid).toBe(true);
  });

  it('rejects 100 000 nested arrays as text with a clear issue', () => {
    const text = '['.repeat(100_000) + ']'.repeat(100_000);
    const report = validate(text);
    expect(brief(report)).toEqual([{ rule: 'document-size', path: '' }]);
    expect(report.issues[0]!.message).toContain('levels deep');
  });

  it('rejects 100 000 nested arrays as a parsed value, and inside a document', () => {
    expect(brief(validate(nested(100_000)))).toEqual([{ rule: 'document-size', path: '' }]);
    expect(brief(validate(withStep({ runCondition: nested(100_000) as never })))).toEqual([
      { rule: 'document-size', path: '' },
    ]);
  });

  it('rejects a "__proto__" key wherever it appears', () => {
    const text = JSON.stringify(withStep({ title: 'T' })).replace('"title":"T"', '"title":"T","__proto__":{"x":1}');
    expect(brief(validate(text))).toEqual([{ rule: 'unknown-field', path: '/steps/0/__proto__' }]);
  });

  it('rejects a circular value without hanging', () => {
    const cyclic: { [key: string]: unknown } = { ...doc() };
    cyclic.self = cyclic;
    expect(validate(cyclic).valid).toBe(false);
  });

  it('never throws on arbitrary JSON values or strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.json()), (input) => {
        const report = validate(input);
        expect(report.valid).toBe(report.issues.length === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random mutations of a valid document', () => {
    const keys = ['id', 'title', 'prompt', 'type', 'loop', 'body', 'runCondition', 'requireConfirmation', 'steps'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        validate(withStep({ [key]: value as never }));
        validate(doc([S, loopStep({ type: 'while', maxIterations: 2, [key]: value as never })]));
      }),
      { numRuns: 300 },
    );
  });
});

describe('validateWorkflow reports one issue per problem', () => {
  it.each([
    ['maxIterations', doc([S, loopStep({ type: 'for', count: 2, maxIterations: '5' })]), '/steps/1/loop/maxIterations'],
    ['prompt', withStep({ prompt: 5 }), '/steps/0/prompt'],
    ['examples', doc([S], { examples: 'x' }), '/examples'],
    ['runCondition', withStep({ runCondition: 'x' }), '/steps/0/runCondition'],
    ['title', withStep({ title: ['x'] }), '/steps/0/title'],
    ['body', doc([S, loopStep({ type: 'for', count: 2, maxIterations: 5 }, 7)]), '/steps/1/body'],
    ['id', doc([S], { id: 12 }), '/id'],
  ])('gives a wrong-typed %s only a type issue', (_, input, path) => {
    expect(brief(validate(input))).toEqual([{ rule: 'type', path }]);
  });

  it('judges a loop step only as a loop step', () => {
    const report = validate(doc([S, { id: 'review-loop', type: 'loop', title: 'Loop', prompt: 'x' }]));
    expect(brief(report)).toEqual([
      { rule: 'field-not-allowed', path: '/steps/1/prompt' },
      { rule: 'required', path: '/steps/1/loop' },
      { rule: 'required', path: '/steps/1/body' },
    ]);
  });

  it('judges a parallel step only as a parallel step', () => {
    expect(brief(validate(doc([{ id: 'fan-out', type: 'parallel', title: 'Fan out' }])))).toEqual([
      { rule: 'required', path: '/steps/0/parallelDelegations' },
    ]);
  });

  it('judges a standard step only as a standard step', () => {
    expect(brief(validate(withStep({ loop: { type: 'for' }, parallelDelegations: [] })))).toEqual([
      { rule: 'field-not-allowed', path: '/steps/0/loop' },
      { rule: 'field-not-allowed', path: '/steps/0/parallelDelegations' },
    ]);
  });

  it('gives an unknown step type one step-kind issue and nothing else', () => {
    expect(brief(validate(doc([{ type: 'task', whatever: 1 }] as never)))).toEqual([
      { rule: 'step-kind', path: '/steps/0/type' },
    ]);
  });

  it('still reports object-level problems next to an oversized array or string deep inside', () => {
    const consequences = Array.from({ length: 11 }, (_, i) => ({
      when: { anyEqualsLevel: i % 2 ? 'low' : 'high' },
      effect: { kind: 'require_followup', guidance: 'More.' },
    }));
    const input = withStep({ prompt: 'x'.repeat(9000), assessmentConsequences: consequences }, { zzz: 1 });
    expect(brief(validate(input))).toEqual([
      { rule: 'string-length', path: '/steps/0/prompt' },
      { rule: 'array-length', path: '/steps/0/assessmentConsequences' },
      { rule: 'consequence-without-refs', path: '/steps/0/assessmentConsequences' },
      { rule: 'unknown-field', path: '/zzz' },
    ]);
  });

  it('reports independent problems in document order', () => {
    const input = doc([S, { ...S, id: 'step-two', title: '' }, { ...P, title: 5 }], {
      name: '',
      zzz: true,
    });
    expect(brief(validate(input))).toEqual([
      { rule: 'string-length', path: '/name' },
      { rule: 'string-length', path: '/steps/1/title' },
      { rule: 'type', path: '/steps/2/title' },
      { rule: 'unknown-field', path: '/zzz' },
    ]);
  });
});

describe('validateWorkflow issue details', () => {
  it('says how to fix a range problem', () => {
    const report = validate(doc([S, loopStep({ type: 'for', count: 2, maxIterations: 0 })]));
    expect(report.issues[0]!.message).toBe('maxIterations must be an integer from 1 to 1000; got 0');
  });

  it('suggests the nearest field name for an unknown field', () => {
    expect(validate(withStep({ promt: 'x' })).issues[0]!.message).toContain('did you mean "prompt"?');
  });

  it('suggests a field whose name starts with the unknown one', () => {
    const loop = loopStep({ type: 'while', maxIterations: 2, cond: { var: 'x' } });
    const report = validate(doc([S, loop]));
    expect(report.issues.find((issue) => issue.rule === 'unknown-field')?.message).toContain(
      'did you mean "condition"?',
    );
  });

  it('reports the prompt source that comes later in the document as the extra one', () => {
    const step = { id: 'step-one', title: 'One', promptBlocks: { goal: 'x' }, prompt: 'Do it.' };
    expect(brief(validate(doc([step])))).toEqual([{ rule: 'prompt-source-multiple', path: '/steps/0/prompt' }]);
  });

  it('escapes ~ and / in pointers (RFC 6901)', () => {
    expect(brief(validate(withStep({ 'a/b~c': 1 })))).toEqual([{ rule: 'unknown-field', path: '/steps/0/a~1b~0c' }]);
  });

  it('returns the document but no workflow when only compilation fails', () => {
    const report = validate(
      doc([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.nope' } }]),
    );
    expect(report.valid).toBe(false);
    expect(report.document).toBeDefined();
    expect(report.workflow).toBeUndefined();
  });

  it('returns neither document nor workflow when the structure is invalid', () => {
    const report = validate(doc([S], { name: '' }));
    expect(report.document).toBeUndefined();
    expect(report.workflow).toBeUndefined();
  });
});

describe('validateWorkflow suggestions (workflow-format.md §13.3)', () => {
  const suggestionsOf = (input: unknown) => {
    const report = validate(input);
    expect(report.issues).toEqual([]);
    return report.suggestions.join('\n');
  };

  it('suggests a namespaced id for a legacy id', () => {
    expect(suggestionsOf(doc([S], { id: 'demo' }))).toContain('acme.demo');
    expect(suggestionsOf(doc())).toBe('');
  });

  it('suggests a lower maxIterations above 100', () => {
    expect(suggestionsOf(doc([S, loopStep({ type: 'for', count: 2, maxIterations: 101 })]))).toContain(
      '101 iterations',
    );
    expect(suggestionsOf(doc([S, loopStep({ type: 'for', count: 2, maxIterations: 100 })]))).not.toContain(
      'iterations',
    );
  });

  it('points out a string-referenced body step with its own runCondition', () => {
    const body: JsonObject = { ...S, runCondition: { var: 'x' } };
    expect(suggestionsOf(doc([body, loopStep({ type: 'for', count: 2, maxIterations: 5 })]))).toContain(
      'own runCondition',
    );
  });

  it('prefers output contracts over validationCriteria', () => {
    const criteria = { type: 'contains', value: 'done', message: 'Say done.' };
    expect(suggestionsOf(withStep({ validationCriteria: criteria }))).toContain('validationCriteria');
  });

  it('points out a loop variable used outside its loop', () => {
    const loop = loopStep({ type: 'forEach', items: 'modules', itemVar: 'module', maxIterations: 5 }, [
      { id: 'migrate', title: 'Migrate {{module.name}}', prompt: 'Migrate it.' },
    ]);
    const after = { id: 'summarize', title: 'Summarize', prompt: 'Summarize {{module.name}}.' };
    const text = suggestionsOf(doc([S, loop, after]));
    expect(text).toContain('"summarize" uses {{module}}');
    expect(text).not.toContain('"migrate"');
  });
});
