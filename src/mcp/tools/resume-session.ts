import { z } from 'zod';
import { type ResumeSessionOutput, resumeSession } from '../../app/index.js';
import { renderResume } from '../render.js';
import { jsonObject, workspacePath } from '../schemas.js';
import { defineTool } from '../tool.js';

export const resumeSessionTool = defineTool({
  name: 'resume_session',
  title: 'Find earlier sessions',
  description:
    'Find earlier sessions to pick up (best 5), ranked by the query words, ids, git branch and HEAD. Each comes with the continue_workflow call that resumes it.',
  schema: z.strictObject({
    workspacePath,
    query: z.string().max(256).optional().describe("The user's words, ticket ids."),
    sessionId: z.string().max(128).optional().describe('Exact session id (sess_…).'),
    runId: z.string().max(128).optional().describe('Exact run id (run_…).'),
    gitBranch: z.string().max(256).optional().describe('Overrides the detected branch.'),
    gitHeadSha: z.string().max(64).optional().describe('Overrides the detected HEAD (40 hex).'),
    sameWorkspaceOnly: z.boolean().optional().describe('Only sessions of the same repository.'),
  }),
  template: { workspacePath: '/abs/workspace', query: 'flaky login test' },
  output: z.looseObject({
    candidates: z
      .array(
        z.looseObject({
          sessionId: z.string(),
          resumeToken: z.string(),
          confidence: z.enum(['strong', 'medium', 'weak']),
          nextCall: z.looseObject({ tool: z.string(), params: jsonObject }),
        }),
      )
      .optional(),
    totalEligible: z.number().optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: false, destructiveHint: false, openWorldHint: false },
  run: resumeSession,
  render: (output: ResumeSessionOutput) => renderResume(output),
});
