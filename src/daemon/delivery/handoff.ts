// The handoff artifact (docs/worktrain.md §8.2): what the agent tells delivery about its change.
import { z } from 'zod';

export const HANDOFF_KIND = 'worktrain.handoff';

export const handoffSchema = z.object({
  commitType: z
    .string()
    .trim()
    .min(1)
    .regex(/^[\w-]+$/, 'one word such as feat, fix or chore'),
  commitScope: z.string().default(''),
  commitSubject: z
    .string()
    .trim()
    .min(1)
    .refine((s) => !s.includes('\n'), 'must be one line'),
  commitBody: z.string().optional(),
  prTitle: z.string().trim().min(1),
  prBody: z.string().trim().min(1),
  filesChanged: z.array(z.string().min(1)),
  followUpTickets: z.array(z.string()).optional(),
});

export type Handoff = z.infer<typeof handoffSchema>;

export type HandoffResult =
  | { readonly ok: true; readonly handoff: Handoff }
  | { readonly ok: false; readonly error: string };

/**
 * Finds the handoff: an artifact with `kind: "worktrain.handoff"` is preferred, else the first fenced `json` block of
 * the final notes that validates. The error names what was found and why it did not validate.
 */
export function parseHandoff(finalNotes: string | null, artifacts: readonly unknown[]): HandoffResult {
  const artifact = artifacts.find(
    (a): a is { kind: unknown } =>
      typeof a === 'object' && a !== null && (a as { kind?: unknown }).kind === HANDOFF_KIND,
  );
  if (artifact !== undefined) {
    const parsed = handoffSchema.safeParse(artifact);
    if (parsed.success) return { ok: true, handoff: parsed.data };
    return { ok: false, error: `invalid ${HANDOFF_KIND} artifact: ${describeIssues(parsed.error)}` };
  }
  const blocks = fencedJsonBlocks(finalNotes ?? '');
  let firstProblem: string | null = null;
  for (const [index, block] of blocks.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(block);
    } catch (error) {
      firstProblem ??= `json block ${index + 1} is not valid JSON (${(error as Error).message})`;
      continue;
    }
    const parsed = handoffSchema.safeParse(value);
    if (parsed.success) return { ok: true, handoff: parsed.data };
    firstProblem ??= `json block ${index + 1}: ${describeIssues(parsed.error)}`;
  }
  if (firstProblem !== null) return { ok: false, error: `no valid handoff in the final notes; ${firstProblem}` };
  return {
    ok: false,
    error: `no handoff: no artifact with kind "${HANDOFF_KIND}" and no fenced json block in the final notes`,
  };
}

function fencedJsonBlocks(text: string): string[] {
  const blocks: string[] = [];
  for (const match of text.matchAll(/^[ \t]*```json[ \t]*\r?\n([\s\S]*?)^[ \t]*```[ \t]*$/gim)) {
    blocks.push(match[1] ?? '');
  }
  return blocks;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
