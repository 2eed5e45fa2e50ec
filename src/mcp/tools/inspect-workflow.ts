import { z } from 'zod';
import { inspectWorkflow } from '../../app/index.js';
import { jsonObject, READ_ONLY, workflowId, workspacePath } from '../schemas.js';
import { defineTool } from '../tool.js';

export const inspectWorkflowTool = defineTool({
  name: 'inspect_workflow',
  title: 'Inspect a workflow',
  description:
    'Metadata and step outline of one workflow, with the hash start_workflow would pin. mode "metadata" is shorter.',
  schema: z.strictObject({
    workflowId,
    workspacePath,
    mode: z.enum(['metadata', 'preview']).optional().describe('Default "preview".'),
  }),
  template: { workflowId: 'acme.review-fix', workspacePath: '/abs/workspace' },
  output: z.looseObject({
    workflowId: z.string().optional(),
    workflowHash: z.string().optional(),
    mode: z.enum(['metadata', 'preview']).optional(),
    source: jsonObject.optional(),
    workflow: jsonObject.optional(),
  }),
  annotations: READ_ONLY,
  run: inspectWorkflow,
});
