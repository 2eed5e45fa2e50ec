import { z } from 'zod';
import { listWorkflows } from '../../app/index.js';
import { issues, jsonObject, READ_ONLY, warnings, workspacePath } from '../schemas.js';
import { defineTool } from '../tool.js';

export const listWorkflowsTool = defineTool({
  name: 'list_workflows',
  title: 'List workflows',
  description:
    'Discover workflows. Without tags: a summary of tags. With tags: the workflows having any of them. includeSources: every workflow plus the source catalog.',
  schema: z.strictObject({
    workspacePath,
    tags: z.array(z.string().max(64)).max(50).optional().describe('Return workflows having any of these tags.'),
    includeSources: z.boolean().optional().describe('Return all workflows plus the source catalog.'),
  }),
  jsonFields: ['tags'],
  template: { workspacePath: '/abs/workspace', tags: ['coding'] },
  output: z.looseObject({
    workflows: z.array(jsonObject).optional(),
    tagSummary: z.array(jsonObject).optional(),
    nextStep: z.string().optional(),
    sources: z.array(jsonObject).optional(),
    staleRoots: z.array(z.string()).optional(),
    warnings: warnings.optional(),
    validationWarnings: z.array(z.looseObject({ filePath: z.string(), issues })).optional(),
  }),
  annotations: READ_ONLY,
  run: listWorkflows,
});
