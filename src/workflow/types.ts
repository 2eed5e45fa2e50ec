// Types of the authored workflow document (docs: workflow-format.md §2–§10) and of its compiled form.
// The zod schema in schema.ts validates unknown input into `WorkflowDocument`.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export type ModelTier = 'lightweight' | 'mid' | 'heavy';
export type MetricsProfile = 'coding' | 'review' | 'research' | 'design' | 'ticket' | 'none';

// ---------- conditions (§4) ----------

export const COMPARISON_OPERATORS = [
  'equals',
  'not_equals',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** `{var}` (truthiness) or `{var, <one operator>: operand}`. */
export type VarCondition = { readonly var: string } & { readonly [op in ComparisonOperator]?: JsonValue };
export type Condition =
  | VarCondition
  | { readonly and: readonly Condition[] }
  | { readonly or: readonly Condition[] }
  | { readonly not: Condition };

export type ConfirmationRule =
  | boolean
  | Condition
  | { readonly kind: 'coordinator_eval' | 'human_approval'; readonly condition?: Condition };

// ---------- prompts (§8) ----------

export type PromptPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ref'; readonly refId: string };
export type PromptValue = string | readonly PromptPart[];

export interface PromptBlocks {
  readonly goal?: PromptValue;
  readonly constraints?: readonly PromptValue[];
  readonly procedure?: readonly PromptValue[];
  readonly verify?: readonly PromptValue[];
  readonly outputRequired?: { readonly [key: string]: string };
}

export interface PromptFragment {
  readonly id: string;
  readonly when?: Condition;
  readonly text: string;
}

// ---------- output requirements (§6) ----------

export const CONTRACT_REFS = [
  'wr.contracts.loop_control',
  'wr.contracts.review_verdict',
  'wr.contracts.coordinator_signal',
  'wr.contracts.gate_verdict',
  'wr.contracts.discovery_handoff',
  'wr.contracts.shaping_handoff',
  'wr.contracts.coding_handoff',
  'wr.contracts.differentiation_handoff',
  'wr.contracts.assessment',
] as const;
export type ContractRef = (typeof CONTRACT_REFS)[number];

export interface OutputContract {
  readonly contractRef: ContractRef;
  readonly required?: boolean;
}

export interface AssessmentDimension {
  readonly id: string;
  readonly purpose: string;
  readonly levels: readonly string[];
  readonly required?: boolean;
}
export interface AssessmentDefinition {
  readonly id: string;
  readonly purpose: string;
  readonly dimensions: readonly AssessmentDimension[];
}
export interface AssessmentConsequence {
  readonly when: { readonly anyEqualsLevel: string; readonly forAssessment?: string };
  readonly effect: { readonly kind: 'require_followup'; readonly guidance: string };
}

export type ValidationRule =
  | { readonly type: 'contains'; readonly value: string; readonly message: string; readonly condition?: Condition }
  | {
      readonly type: 'regex';
      readonly pattern: string;
      readonly flags?: string;
      readonly message: string;
      readonly condition?: Condition;
    }
  | {
      readonly type: 'length';
      readonly min?: number;
      readonly max?: number;
      readonly message: string;
      readonly condition?: Condition;
    }
  | { readonly type: 'schema'; readonly schema: JsonObject; readonly message: string; readonly condition?: Condition };
export type ValidationCriteria =
  | ValidationRule
  | readonly ValidationCriteria[]
  | { readonly and: readonly ValidationCriteria[] }
  | { readonly or: readonly ValidationCriteria[] }
  | { readonly not: ValidationCriteria };

// ---------- functions, references, extension points (§9) ----------

export interface FunctionParameter {
  readonly name: string;
  readonly type: 'string' | 'number' | 'boolean' | 'array' | 'object';
  readonly required?: boolean;
  readonly description?: string;
  readonly enum?: readonly (string | number | boolean)[];
  readonly default?: JsonValue;
}
export interface FunctionDefinition {
  readonly name: string;
  readonly definition: string;
  readonly parameters?: readonly FunctionParameter[];
  readonly scope?: 'workflow' | 'loop' | 'step';
}
export interface FunctionCall {
  readonly name: string;
  readonly args: JsonObject;
}

export interface ReferenceDeclaration {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly purpose: string;
  readonly authoritative: boolean;
  readonly resolveFrom?: 'workspace' | 'package';
}

export interface ExtensionPoint {
  readonly slotId: string;
  readonly purpose: string;
  readonly default: string;
  readonly acceptedKinds?: readonly ('routine' | 'workflow')[];
}

// ---------- authored steps (§3) ----------

interface StepCommon {
  readonly id: string;
  readonly title: string;
  readonly runCondition?: Condition;
  readonly requireConfirmation?: ConfirmationRule;
}

export interface StandardStep extends StepCommon {
  readonly type?: undefined;
  readonly prompt?: string;
  readonly promptBlocks?: PromptBlocks;
  readonly templateCall?: { readonly templateId: string; readonly args?: { readonly [key: string]: JsonValue } };
  readonly agentRole?: string;
  readonly guidance?: readonly string[];
  readonly promptFragments?: readonly PromptFragment[];
  readonly outputContract?: OutputContract;
  readonly notesOptional?: boolean;
  readonly assessmentRefs?: readonly string[];
  readonly assessmentConsequences?: readonly AssessmentConsequence[];
  readonly validationCriteria?: ValidationCriteria;
  readonly modelTier?: ModelTier;
  readonly functionDefinitions?: readonly FunctionDefinition[];
  readonly functionCalls?: readonly FunctionCall[];
  readonly functionReferences?: readonly string[];
  readonly audit?: { readonly prompt?: string; readonly rubric?: readonly string[] };
  readonly verification?: { readonly command?: string; readonly prompt?: string };
  readonly askForFiles?: boolean;
  readonly hasValidation?: boolean;
}

export interface ParallelDelegation {
  readonly workflowId: string;
  readonly goal?: string;
  readonly runCondition?: Condition;
  readonly contextMapping?: { readonly [parentKey: string]: string };
  readonly args?: { readonly [key: string]: string };
  readonly modelTier?: ModelTier;
  readonly allowedTools?: readonly string[];
}

export interface ParallelStep extends StepCommon {
  readonly type: 'parallel';
  readonly parallelDelegations: readonly ParallelDelegation[];
  readonly notesOptional?: boolean;
  readonly synthesis?: { readonly prompt?: string; readonly outputContract?: OutputContract };
}

export type LoopType = 'while' | 'until' | 'for' | 'forEach';
export type LoopConditionSource =
  | { readonly kind: 'context_variable'; readonly condition: Condition }
  | { readonly kind: 'artifact_contract'; readonly contractRef: 'wr.contracts.loop_control'; readonly loopId?: string };

export interface LoopDefinition {
  readonly type: LoopType;
  readonly maxIterations: number;
  readonly condition?: Condition;
  readonly conditionSource?: LoopConditionSource;
  readonly count?: number | string;
  readonly items?: string;
  readonly iterationVar?: string;
  readonly itemVar?: string;
  readonly indexVar?: string;
}

export interface LoopStep extends StepCommon {
  readonly type: 'loop';
  readonly loop: LoopDefinition;
  readonly body: string | readonly (StandardStep | ParallelStep)[];
  readonly notesOptional?: boolean;
  readonly functionDefinitions?: readonly FunctionDefinition[];
}

export type Step = StandardStep | LoopStep | ParallelStep;

// ---------- the authored document (§2) ----------

export interface WorkflowDocument {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly steps: readonly Step[];
  readonly about?: string;
  readonly examples?: readonly string[];
  readonly metaGuidance?: readonly string[];
  readonly preconditions?: readonly string[];
  readonly clarificationPrompts?: readonly string[];
  readonly modelTier?: ModelTier;
  readonly recommendedPreferences?: {
    readonly recommendedAutonomy?: 'guided' | 'full_auto_stop_on_user_deps' | 'full_auto_never_stop';
    readonly recommendedRiskPolicy?: 'conservative' | 'balanced' | 'aggressive';
  };
  readonly metricsProfile?: MetricsProfile;
  readonly features?: readonly string[];
  readonly references?: readonly ReferenceDeclaration[];
  readonly extensionPoints?: readonly ExtensionPoint[];
  readonly assessments?: readonly AssessmentDefinition[];
  readonly functionDefinitions?: readonly FunctionDefinition[];
  readonly validatedAgainstSpecVersion?: number;
}

// ---------- validation report (§13) ----------

/** One problem in a document: RFC 6901 pointer, a message that says how to fix it, and a stable rule id. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
  readonly rule: string;
}

// ---------- compiled form (§9) ----------

/** A routine usable through `templateCall` (catalog key `wr.templates.routine.<name>`). */
export interface RoutineTemplate {
  readonly templateId: string;
  readonly routineId: string;
  readonly metaGuidance: readonly string[];
  readonly steps: readonly StandardStep[];
}
export type TemplateCatalog = ReadonlyMap<string, RoutineTemplate>;

/** A standard step after compilation: one prompt string (not yet `{{var}}`-rendered), defaults applied. */
export interface CompiledStandardStep {
  readonly kind: 'standard';
  readonly id: string;
  readonly title: string;
  readonly prompt: string;
  readonly agentRole?: string;
  readonly guidance: readonly string[];
  readonly promptFragments: readonly PromptFragment[];
  readonly runCondition?: Condition;
  readonly requireConfirmation?: ConfirmationRule;
  readonly outputContract?: { readonly contractRef: ContractRef; readonly required: boolean };
  /** False when notes are waived (`notesOptional`, or an output contract without `notesOptional: false`). */
  readonly notesRequired: boolean;
  readonly assessmentRefs: readonly string[];
  readonly assessmentConsequences: readonly AssessmentConsequence[];
  readonly validationCriteria?: ValidationCriteria;
  readonly modelTier?: ModelTier;
  /** Definitions visible to this step: workflow, enclosing loop and own (innermost wins). */
  readonly functionDefinitions: readonly FunctionDefinition[];
  readonly functionCalls: readonly FunctionCall[];
  /** Names (without `()`) of the definitions rendered with the step. */
  readonly functionReferences: readonly string[];
  /** Set on generated audit/verification/synthesis steps (§3.5). */
  readonly virtualOf?: { readonly parentStepId: string; readonly role: 'audit' | 'verification' | 'synthesis' };
}

export interface CompiledParallelStep {
  readonly kind: 'parallel';
  readonly id: string;
  readonly title: string;
  readonly delegations: readonly ParallelDelegation[];
  readonly runCondition?: Condition;
  readonly requireConfirmation?: ConfirmationRule;
  readonly notesRequired: boolean;
}

export type CompiledBodyStep = CompiledStandardStep | CompiledParallelStep;

export interface CompiledLoop {
  readonly type: LoopType;
  readonly maxIterations: number;
  /** while/until: what decides continuation. */
  readonly control?:
    | { readonly kind: 'context_variable'; readonly condition: Condition }
    | { readonly kind: 'artifact_contract'; readonly loopId?: string };
  readonly count?: number | string;
  readonly items?: string;
  readonly iterationVar: string;
  readonly itemVar: string;
  readonly indexVar: string;
}

export interface CompiledLoopStep {
  readonly kind: 'loop';
  readonly id: string;
  readonly title: string;
  readonly loop: CompiledLoop;
  /** Inline or string-referenced body, expanded; loop defaults (notesOptional, requireConfirmation) applied. */
  readonly body: readonly CompiledBodyStep[];
  readonly runCondition?: Condition;
}

export type CompiledStep = CompiledBodyStep | CompiledLoopStep;

export type WorkflowHash = `sha256:${string}`;

/** The immutable, pinned form of a workflow. `workflowHash` covers every other field. */
export interface CompiledWorkflow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly about?: string;
  readonly examples: readonly string[];
  readonly metaGuidance: readonly string[];
  readonly preconditions: readonly string[];
  readonly clarificationPrompts: readonly string[];
  readonly modelTier?: ModelTier;
  readonly recommendedPreferences?: WorkflowDocument['recommendedPreferences'];
  readonly metricsProfile?: MetricsProfile;
  readonly features: readonly string[];
  readonly references: readonly ReferenceDeclaration[];
  readonly extensionPoints: readonly ExtensionPoint[];
  readonly assessments: readonly AssessmentDefinition[];
  readonly functionDefinitions: readonly FunctionDefinition[];
  /** Resolved `{{wr.bindings.<slot>}}` values (slotId -> value). */
  readonly bindings: { readonly [slotId: string]: string };
  /** The top-level sequence; steps used as string loop bodies appear only inside their loop. */
  readonly steps: readonly CompiledStep[];
  readonly workflowHash: WorkflowHash;
}
