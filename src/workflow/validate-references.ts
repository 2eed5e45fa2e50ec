// Rules that relate parts of a document to each other (docs: workflow-format.md §13.2: 14, 17, 37, 40–45,
// 67, 69–71, 73, 75–77). They read the raw value defensively, so they also run when other parts are malformed,
// and skip a check whose inputs are malformed (those get their own issue from the schema).

import { workflowIdProblem } from './schema.js';
import { isRecord, type RawObject } from './schema-primitives.js';
import { PROMPT_SOURCES } from './schema-steps.js';
import type { LocatedIssue } from './validate-issues.js';
import { pointer } from './validate-issues.js';

type Segment = string | number;
type Add = (segments: readonly Segment[], rule: string, message: string) => void;

/** A standard or parallel step and, when it runs inside a loop, that loop step. */
interface StepSite {
  readonly step: RawObject;
  readonly at: readonly Segment[];
  readonly loop?: RawObject;
}

const LOOP_CONTROL = 'wr.contracts.loop_control';

function records(value: unknown): [RawObject, number][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown, index) => (isRecord(item) ? [[item, index] as [RawObject, number]] : []));
}

function strings(value: unknown): [string, number][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown, index) => (typeof item === 'string' ? [[item, index] as [string, number]] : []));
}

export interface ReferenceOptions {
  readonly allowReservedIds: boolean;
}

export function checkReferences(root: RawObject, options: ReferenceOptions): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  const add: Add = (segments, rule, message) => issues.push({ segments, rule, message });
  const id = root.id;
  if (typeof id === 'string' && id.startsWith('wr.') && !options.allowReservedIds && !workflowIdProblem(id)) {
    add(
      ['id'],
      'workflow-id-reserved',
      `Ids starting with "wr." are reserved for bundled workflows; use your own namespace, e.g. "acme.${id.slice(3)}"`,
    );
  }
  checkStepIds(root.steps, ['steps'], new Map(), add);
  const sites = collectSites(root.steps, add);
  const assessments = declaredAssessments(root.assessments);
  for (const site of sites) {
    checkPromptSources(site, add);
    checkLoopControl(site, add);
    checkAssessmentUse(site, assessments, add);
    checkDelegations(site, id, add);
    checkFunctions(site, root, add);
  }
  checkDecisionSteps(root.steps, add);
  return issues;
}

function checkStepIds(steps: unknown, at: readonly Segment[], seen: Map<string, string>, add: Add): void {
  for (const [step, index] of records(steps)) {
    const here = [...at, index];
    if (typeof step.id === 'string') {
      const first = seen.get(step.id);
      if (first === undefined) seen.set(step.id, pointer(here));
      else
        add(
          [...here, 'id'],
          'step-id-duplicate',
          `Step id "${step.id}" is already used at ${first}; step ids must be unique across the workflow`,
        );
    }
    if (step.type === 'loop') checkStepIds(step.body, [...here, 'body'], seen, add);
  }
}

/** Every standard/parallel step with its enclosing loop; also checks string bodies (rules 69–71). */
function collectSites(steps: unknown, add: Add): StepSite[] {
  const top = records(steps);
  const bodyOwner = new Map<number, RawObject>();
  for (const [step, index] of top) {
    if (step.type !== 'loop' || typeof step.body !== 'string') continue;
    const target = top.find(([candidate]) => candidate.id === step.body);
    const at = ['steps', index, 'body'];
    if (target === undefined) {
      add(
        at,
        'loop-body-ref-missing',
        `body "${step.body}" names no top-level step; use the id of a top-level step or an inline array`,
      );
    } else if (target[0].type === 'loop') {
      add(
        at,
        'loop-body-ref-invalid',
        `body "${step.body}" names a loop step; a loop body must be a standard or parallel step`,
      );
    } else if (bodyOwner.has(target[1])) {
      add(
        at,
        'loop-body-ref-shared',
        `Step "${step.body}" is already the body of loop "${String(bodyOwner.get(target[1])!.id)}"; a step can be the body of one loop only`,
      );
    } else bodyOwner.set(target[1], step);
  }
  const sites: StepSite[] = [];
  for (const [step, index] of top) {
    if (step.type !== 'loop') {
      const loop = bodyOwner.get(index);
      sites.push(loop === undefined ? { step, at: ['steps', index] } : { step, at: ['steps', index], loop });
      continue;
    }
    for (const [inner, j] of records(step.body)) {
      if (inner.type !== 'loop') sites.push({ step: inner, at: ['steps', index, 'body', j], loop: step });
    }
  }
  return sites;
}

/** Rule 20: the prompt source written first is kept; each later one is reported. */
function checkPromptSources({ step, at }: StepSite, add: Add): void {
  if ('type' in step) return;
  const sources = Object.keys(step).filter((key) => PROMPT_SOURCES.includes(key) && step[key] !== undefined);
  for (const extra of sources.slice(1)) {
    const message = `A step has exactly one prompt source; it already has ${sources[0]}, so remove ${extra}`;
    add([...at, extra], 'prompt-source-multiple', message);
  }
}

function contractOf(holder: unknown): unknown {
  return isRecord(holder) && isRecord(holder.outputContract) ? holder.outputContract.contractRef : undefined;
}

function checkLoopControl(site: StepSite, add: Add): void {
  if (site.loop !== undefined) return;
  const message = `${LOOP_CONTROL} is only for steps in a loop body; move this step into the loop or use another contract`;
  if (contractOf(site.step) === LOOP_CONTROL)
    add([...site.at, 'outputContract', 'contractRef'], 'loop-control-outside-loop', message);
  if (contractOf(site.step.synthesis) === LOOP_CONTROL) {
    add([...site.at, 'synthesis', 'outputContract', 'contractRef'], 'loop-control-outside-loop', message);
  }
}

/** Rule 67: an artifact-controlled loop has a body step that submits the loop_control artifact. */
function checkDecisionSteps(steps: unknown, add: Add): void {
  const top = records(steps);
  for (const [step, index] of top) {
    if (step.type !== 'loop' || !isRecord(step.loop)) continue;
    const source = step.loop.conditionSource;
    if (!isRecord(source) || source.kind !== 'artifact_contract') continue;
    const body =
      typeof step.body === 'string'
        ? top
            .filter(([candidate]) => candidate.id === step.body)
            .slice(0, 1)
            .map(([candidate]) => candidate)
        : records(step.body).map(([candidate]) => candidate);
    if (body.length === 0 || body.some((candidate) => 'templateCall' in candidate)) continue;
    const decides = body.some(
      (candidate) => contractOf(candidate) === LOOP_CONTROL || contractOf(candidate.synthesis) === LOOP_CONTROL,
    );
    if (!decides) {
      add(
        ['steps', index, 'loop', 'conditionSource'],
        'loop-decision-step-missing',
        `This loop is controlled by ${LOOP_CONTROL}, but no body step declares that outputContract; add it to the step that decides continue or stop`,
      );
    }
  }
}

interface DeclaredAssessments {
  /** Assessment id -> its declared levels; undefined when no assessments are declared. */
  readonly levels?: ReadonlyMap<string, ReadonlySet<string>>;
  /** False when some declaration is malformed, so "undeclared" cannot be decided. */
  readonly complete: boolean;
}

function declaredAssessments(value: unknown): DeclaredAssessments {
  if (!Array.isArray(value) || value.length === 0) return { complete: Array.isArray(value) || value === undefined };
  const levels = new Map<string, Set<string>>();
  let complete = true;
  for (const item of value as unknown[]) {
    if (!isRecord(item) || typeof item.id !== 'string') {
      complete = false;
      continue;
    }
    const set = new Set<string>();
    for (const [dimension] of records(item.dimensions)) for (const [level] of strings(dimension.levels)) set.add(level);
    if (!Array.isArray(item.dimensions)) complete = false;
    levels.set(item.id, set);
  }
  return { levels, complete };
}

function checkAssessmentUse(site: StepSite, declared: DeclaredAssessments, add: Add): void {
  const { step, at } = site;
  const refs = strings(step.assessmentRefs);
  if ('assessmentRefs' in step && declared.levels === undefined && declared.complete) {
    add(
      [...at, 'assessmentRefs'],
      'assessment-refs-without-assessments',
      'assessmentRefs needs workflow-level "assessments" that declare these ids',
    );
  } else if (declared.levels !== undefined && declared.complete) {
    for (const [ref, index] of refs) {
      if (!declared.levels.has(ref)) {
        const known = [...declared.levels.keys()].join(', ');
        add(
          [...at, 'assessmentRefs', index],
          'assessment-ref-undeclared',
          `Assessment "${ref}" is not declared; declared assessments: ${known}`,
        );
      }
    }
  }
  if (!('assessmentConsequences' in step)) return;
  if (!('assessmentRefs' in step)) {
    add(
      [...at, 'assessmentConsequences'],
      'consequence-without-refs',
      'assessmentConsequences needs assessmentRefs on the same step',
    );
    return;
  }
  const refIds = refs.map(([ref]) => ref);
  const seen = new Set<string>();
  for (const [consequence, index] of records(step.assessmentConsequences)) {
    const when = consequence.when;
    if (!isRecord(when)) continue;
    const here = [...at, 'assessmentConsequences', index, 'when'];
    const scope = when.forAssessment;
    if (typeof scope === 'string' && !refIds.includes(scope)) {
      add(
        [...here, 'forAssessment'],
        'consequence-scope-unknown',
        `forAssessment "${scope}" is not one of this step's assessmentRefs (${refIds.join(', ')})`,
      );
      continue;
    }
    const level = when.anyEqualsLevel;
    if (typeof level !== 'string') continue;
    const scoped = typeof scope === 'string' ? [scope] : refIds;
    const levels = scoped.map((ref) => declared.levels?.get(ref));
    if (declared.complete && levels.length > 0 && levels.every((set) => set !== undefined)) {
      if (!levels.some((set) => set!.has(level))) {
        const known = [...new Set(levels.flatMap((set) => [...set!]))].join(', ');
        add(
          [...here, 'anyEqualsLevel'],
          'consequence-level-undeclared',
          `Level "${level}" is not declared by the referenced assessments; declared levels: ${known}`,
        );
        continue;
      }
    }
    const key = `${level}\u0000${typeof scope === 'string' ? scope : ''}`;
    if (seen.has(key))
      add(
        here,
        'consequence-duplicate',
        `Another consequence already has level "${level}" with the same scope; merge them`,
      );
    seen.add(key);
  }
}

function checkDelegations(site: StepSite, workflowId: unknown, add: Add): void {
  if (site.step.type !== 'parallel' || typeof workflowId !== 'string') return;
  for (const [delegation, index] of records(site.step.parallelDelegations)) {
    if (delegation.workflowId === workflowId) {
      add(
        [...site.at, 'parallelDelegations', index, 'workflowId'],
        'parallel-self-delegation',
        `A delegation cannot run its own workflow "${workflowId}"; delegate to another workflow or routine`,
      );
    }
  }
}

function definitions(...lists: unknown[]): Map<string, RawObject> {
  const visible = new Map<string, RawObject>();
  for (const list of lists)
    for (const [definition] of records(list))
      if (typeof definition.name === 'string') visible.set(definition.name, definition);
  return visible;
}

const JSON_TYPE_OK: { readonly [type: string]: (value: unknown) => boolean } = {
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number',
  boolean: (value) => typeof value === 'boolean',
  array: (value) => Array.isArray(value),
  object: (value) => isRecord(value),
};

function checkFunctions(site: StepSite, root: RawObject, add: Add): void {
  const { step, at } = site;
  if (!('functionCalls' in step) && !('functionReferences' in step)) return;
  const visible = definitions(root.functionDefinitions, site.loop?.functionDefinitions, step.functionDefinitions);
  const known = [...visible.keys()].join(', ') || 'none';
  for (const [call, index] of records(step.functionCalls)) {
    if (typeof call.name !== 'string') continue;
    const definition = visible.get(call.name);
    if (definition === undefined) {
      add(
        [...at, 'functionCalls', index, 'name'],
        'function-call-unknown',
        `No visible function "${call.name}"; visible functions: ${known}`,
      );
    } else if (isRecord(call.args)) {
      checkCallArgs(definition, call.args, [...at, 'functionCalls', index, 'args'], add);
    }
  }
  for (const [reference, index] of strings(step.functionReferences)) {
    const name = reference.slice(0, -2);
    if (/^[A-Za-z_][A-Za-z0-9_]*\(\)$/.test(reference) && !visible.has(name)) {
      add(
        [...at, 'functionReferences', index],
        'function-reference-unknown',
        `No visible function "${name}"; visible functions: ${known}`,
      );
    }
  }
}

function checkCallArgs(definition: RawObject, args: RawObject, at: readonly Segment[], add: Add): void {
  for (const [parameter] of records(definition.parameters)) {
    const name = parameter.name;
    if (typeof name !== 'string') continue;
    if (!Object.hasOwn(args, name)) {
      if (parameter.required === true)
        add(at, 'function-call-args', `${String(definition.name)} needs the argument "${name}"`);
      continue;
    }
    const value = args[name];
    const typeOk = typeof parameter.type === 'string' ? JSON_TYPE_OK[parameter.type] : undefined;
    if (typeOk !== undefined && !typeOk(value)) {
      add([...at, name], 'function-call-args', `Argument "${name}" must be of type ${String(parameter.type)}`);
    } else if (Array.isArray(parameter.enum) && !parameter.enum.includes(value)) {
      const allowed = parameter.enum.map((option) => JSON.stringify(option)).join(', ');
      add([...at, name], 'function-call-args', `Argument "${name}" must be one of ${allowed}`);
    }
  }
}
