import { z } from 'zod';
import { checkpointWorkflow } from '../../app/index.js';
import { jsonObject, token } from '../schemas.js';
import { defineTool } from '../tool.js';

export const checkpointWorkflowTool = defineTool({
  name: 'checkpoint_workflow',
  title: 'Save a resumable point',
  description:
    'Record a resumable point at the pending step without advancing. Returns a resumeToken (st_) for later rehydrate and the unchanged next call.',
  schema: z.strictObject({ checkpointToken: token.describe('The ck_ token of the pending step.') }),
  template: { checkpointToken: 'ck_…' },
  output: z.looseObject({
    checkpointNodeId: z.string().optional(),
    resumeToken: z.string().optional(),
    nextCall: z.looseObject({ tool: z.string(), params: jsonObject }).optional(),
  }),
  annotations: { readOnlyHint: false, idempotentHint: true, destructiveHint: false, openWorldHint: false },
  run: checkpointWorkflow,
});
