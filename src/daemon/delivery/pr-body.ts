// PR/MR templates and bodies (docs/worktrain.md §8.4): the agent's prBody, then every template section it left
// out (required sections are never dropped), the closing reference and the WorkTrain footer.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const GITHUB_TEMPLATES = [
  '.github/PULL_REQUEST_TEMPLATE.md',
  '.github/pull_request_template.md',
  'PULL_REQUEST_TEMPLATE.md',
  'pull_request_template.md',
  'docs/PULL_REQUEST_TEMPLATE.md',
  'docs/pull_request_template.md',
];

/**
 * The template text for the worktree: `prTemplate` when given (worktree-relative), else the first of the §8.4 list
 * that exists; for GitLab the merge request templates come first. null when there is none.
 */
export function findPrTemplate(
  root: string,
  prTemplate: string | undefined,
  kind: 'github' | 'gitlab' | null,
): string | null {
  if (prTemplate !== undefined) return readIfFile(path.join(root, prTemplate));
  const candidates = kind === 'gitlab' ? [...gitlabTemplates(root), ...githubTemplates(root)] : githubTemplates(root);
  for (const candidate of candidates) {
    const text = readIfFile(path.join(root, candidate));
    if (text !== null) return text;
  }
  return null;
}

export interface PrBodyInput {
  readonly prBody: string;
  readonly template: string | null;
  readonly followUpTickets?: readonly string[];
  /** The issue number of an issue-sourced session (`context.itemNumber`), else null. */
  readonly issueNumber: number | string | null;
  readonly sessionId: string;
  readonly triggerId: string;
  readonly workflowId: string;
}

export function buildPrBody(input: PrBodyInput): string {
  const parts = [input.prBody.trim()];
  const present = new Set(headings(input.prBody).map((h) => h.key));
  if (input.template !== null) {
    for (const section of templateSections(input.template)) {
      if (present.has(section.key)) continue;
      parts.push(section.text.trim());
      present.add(section.key);
    }
  }
  const tickets = input.followUpTickets ?? [];
  if (tickets.length > 0) parts.push(`Follow-up tickets:\n${tickets.map((t) => `- ${t}`).join('\n')}`);
  if (input.issueNumber !== null && String(input.issueNumber).trim() !== '')
    parts.push(`Closes #${String(input.issueNumber).trim().replace(/^#/, '')}`);
  parts.push(
    `---\n🤖 Automated by WorkTrain | Session: ${input.sessionId} | Trigger: ${input.triggerId} | Workflow: ${input.workflowId}`,
  );
  return `${parts.join('\n\n')}\n`;
}

interface Heading {
  readonly key: string;
  readonly index: number;
}

/** Markdown ATX headings outside fenced code, keyed by their text (level and case ignored). */
function headings(markdown: string): Heading[] {
  const found: Heading[] = [];
  let fenced = false;
  for (const [index, line] of markdown.split('\n').entries()) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const match = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (match !== null) found.push({ key: (match[1] ?? '').trim().toLowerCase(), index });
  }
  return found;
}

/** Each heading of the template with its content up to the next heading. */
function templateSections(template: string): { key: string; text: string }[] {
  const lines = template.split('\n');
  const found = headings(template);
  return found.map((heading, i) => ({
    key: heading.key,
    text: lines.slice(heading.index, found[i + 1]?.index ?? lines.length).join('\n'),
  }));
}

function githubTemplates(root: string): string[] {
  return [...GITHUB_TEMPLATES, ...markdownFiles(root, '.github/PULL_REQUEST_TEMPLATE')];
}

function gitlabTemplates(root: string): string[] {
  const dir = '.gitlab/merge_request_templates';
  return [`${dir}/Default.md`, ...markdownFiles(root, dir)];
}

function markdownFiles(root: string, dir: string): string[] {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `${dir}/${name}`);
}

function readIfFile(file: string): string | null {
  try {
    return statSync(file).isFile() ? readFileSync(file, 'utf8') : null;
  } catch {
    return null;
  }
}
