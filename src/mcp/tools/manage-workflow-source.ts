import { z } from 'zod';
import { manageWorkflowSource } from '../../app/index.js';
import { defineTool } from '../tool.js';

export const manageWorkflowSourceTool = defineTool({
  name: 'manage_workflow_source',
  title: 'Attach or detach a workflow directory',
  description: 'Attach or detach a directory of workflow files (absolute path). Returns the managed list.',
  schema: z.strictObject({
    action: z.enum(['attach', 'detach']),
    path: z.string().max(4096).describe('Absolute path of the directory.'),
  }),
  template: { action: 'attach', path: '/abs/workflows' },
  output: z.looseObject({
    action: z.enum(['attach', 'detach']).optional(),
    path: z.string().optional(),
    sources: z.array(z.looseObject({ path: z.string(), addedAtMs: z.number() })).optional(),
  }),
  annotations: { readOnlyHint: false, idempotentHint: true, destructiveHint: false, openWorldHint: false },
  run: manageWorkflowSource,
});
