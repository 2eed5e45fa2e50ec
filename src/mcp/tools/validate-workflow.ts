import { z } from 'zod';
import { validateWorkflow } from '../../app/index.js';
import { issues, READ_ONLY } from '../schemas.js';
import { defineTool } from '../tool.js';

export const validateWorkflowTool = defineTool({
  name: 'validate_workflow',
  title: 'Validate a workflow',
  description: 'Validate a workflow document given inline (workflowJson) or as the absolute path of a .json file.',
  schema: z.strictObject({
    workflowJson: z
      .union([z.string().max(2 * 1024 * 1024), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The document, as JSON text or an object.'),
    path: z.string().max(4096).optional().describe('Absolute path of a .json file.'),
  }),
  template: { path: '/abs/workspace/.workrail/workflows/my-workflow.json' },
  output: z.looseObject({
    valid: z.boolean().optional(),
    issues: issues.optional(),
    suggestions: z.array(z.string()).optional(),
  }),
  annotations: READ_ONLY,
  run: validateWorkflow,
});
