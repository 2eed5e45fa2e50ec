import { z } from 'zod';

import { type ExecutionResponse, startWorkflow } from '../../app/index.js';
import { renderExecution } from '../render.js';
import { executionResponse, jsonObject, workflowId, workspacePath } from '../schemas.js';
import { defineTool } from '../tool.js';

export const startWorkflowTool = defineTool({
  name: 'start_workflow',
  title: 'Start a workflow',
  description: 'Create a session of a workflow and receive its first step, with the protocol explained.',
  schema: z.strictObject({
    workflowId,
    workspacePath,
    goal: z.string().describe('One sentence of intent.'),
    modelTier: z.enum(['lightweight', 'mid', 'heavy']).optional().describe("The agent's model tier."),
    context: jsonObject.optional().describe('Initial context facts.'),
  }),
  jsonFields: ['context'],
  template: { workflowId: 'acme.review-fix', workspacePath: '/abs/workspace', goal: 'Fix the flaky login test' },
  output: executionResponse,
  annotations: { readOnlyHint: false, idempotentHint: false, destructiveHint: false, openWorldHint: false },
  run: startWorkflow,
  render: (response: ExecutionResponse) => renderExecution(response),
});
