import { z } from 'zod';
import { continueWorkflow, type ExecutionResponse } from '../../app/index.js';

import { renderExecution } from '../render.js';
import { executionResponse, jsonObject, token, workspacePath } from '../schemas.js';
import { defineTool } from '../tool.js';

const artifacts = z.array(jsonObject);

export const continueWorkflowTool = defineTool({
  name: 'continue_workflow',
  title: 'Complete or re-fetch the pending step',
  description:
    'With output or context: complete the pending step (advance). Token alone: fetch the step again (rehydrate). Pass the token exactly as received.',
  schema: z.strictObject({
    continueToken: token.describe('The ct_ token (or an st_ token to rehydrate).'),
    intent: z.enum(['advance', 'rehydrate']).optional().describe('Inferred when absent.'),
    output: z
      .strictObject({
        notesMarkdown: z.string().optional().describe('What you did in this step.'),
        artifacts: z.union([artifacts, z.string()]).optional().describe('Artifacts the step asks for.'),
      })
      .optional(),
    notes: z.string().optional().describe('Alias of output.notesMarkdown.'),
    artifacts: artifacts.optional().describe('Alias of output.artifacts.'),
    context: jsonObject.optional().describe('Only new or changed facts; null deletes a key.'),
    contextVariables: jsonObject.optional().describe('Alias of context.'),
    workspacePath: workspacePath.optional(),
  }),
  jsonFields: ['output', 'artifacts', 'context', 'contextVariables'],
  template: { continueToken: 'ct_…', output: { notesMarkdown: 'What I did in this step.' } },
  output: executionResponse,
  annotations: { readOnlyHint: false, idempotentHint: true, destructiveHint: false, openWorldHint: false },
  run: continueWorkflow,
  render: (response: ExecutionResponse) => renderExecution(response),
});
