// The zod schema of an authored workflow document (docs: workflow-format.md §2–§10). Built once at module
// load. Issues carry rule ids (custom issues in `params.rule`; built-in ones are mapped by validate-issues.ts).
// Cross-references between parts of the document are checked by validate-references.ts.

import { z } from 'zod';
import {
  assessmentsSchema,
  extensionPointsSchema,
  functionDefinitionsSchema,
  modelTierSchema,
  referencesSchema,
} from './schema-parts.js';
import { closedObject, integer, ruledString, text, uniqueItems } from './schema-primitives.js';
import { stepSchema } from './schema-steps.js';

const LEGACY_ID = /^[a-z0-9_-]+$/;
const NAMESPACED_ID = /^[a-z][a-z0-9_-]+\.[a-z][a-z0-9_-]+$/;
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** True for ids with no namespace (`deploy` rather than `acme.deploy`). */
export function isLegacyWorkflowId(id: string): boolean {
  return LEGACY_ID.test(id);
}

/** The problem with a workflow id (§2.1), or undefined when it is well-formed. */
export function workflowIdProblem(id: string): string | undefined {
  if (id.length < 3 || id.length > 64) return `Workflow id must be 3–64 characters long; got ${id.length}`;
  if (LEGACY_ID.test(id) || NAMESPACED_ID.test(id)) return undefined;
  return (
    'Workflow id must be lowercase "namespace.name" (letters, digits, _ and -, each part starting with a letter, ' +
    `exactly one dot), or a legacy id without a dot; got ${JSON.stringify(id)}`
  );
}

const guidanceList = uniqueItems(text(1, 256));

export const workflowDocumentSchema = closedObject('the workflow', {
  id: ruledString('workflow-id-format', workflowIdProblem),
  name: text(1, 128),
  description: text(1, 512),
  version: ruledString('version-semver', (version) =>
    SEMVER.test(version) ? undefined : `version must be SemVer 2.0 such as "1.0.0"; got ${JSON.stringify(version)}`,
  ),
  steps: z.array(stepSchema).min(1),
  about: text(1, 4096).optional(),
  examples: uniqueItems(text(10, 120), 1, 6).optional(),
  metaGuidance: guidanceList.optional(),
  preconditions: guidanceList.optional(),
  clarificationPrompts: guidanceList.optional(),
  modelTier: modelTierSchema.optional(),
  recommendedPreferences: closedObject('recommendedPreferences', {
    recommendedAutonomy: z.enum(['guided', 'full_auto_stop_on_user_deps', 'full_auto_never_stop']).optional(),
    recommendedRiskPolicy: z.enum(['conservative', 'balanced', 'aggressive']).optional(),
  }).optional(),
  metricsProfile: z.enum(['coding', 'review', 'research', 'design', 'ticket', 'none']).optional(),
  features: uniqueItems(text(1, 128)).optional(),
  references: referencesSchema.optional(),
  extensionPoints: extensionPointsSchema.optional(),
  assessments: assessmentsSchema.optional(),
  functionDefinitions: functionDefinitionsSchema.optional(),
  validatedAgainstSpecVersion: integer(1).optional(),
});
