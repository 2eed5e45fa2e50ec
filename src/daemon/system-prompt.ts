// The system prompt (docs/worktrain.md §6.5): base instructions, soul, workspace, workspace rules files (size-
// capped) and reference documents. The current step is the first user message, not part of this prompt.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from './defaults.js';

const BASE = `You are WorkTrain, an autonomous software engineering agent running a WorkRail workflow with nobody in the chat.
- You see one workflow step at a time. Do the step's work, then call complete_step with notes describing what you did; complete_step is the only way forward.
- The workflow is the contract: follow each step's instructions. If you cannot, call report_issue instead of failing silently.
- Read a file before you Edit or Write it. Prefer Glob, Grep and Read over shell commands for looking around.
- Never commit, push or open pull requests: delivery does that after the workflow.`;

export const BUILT_IN_SOUL = `- Make the smallest change that fully solves the task; match the surrounding code style.
- Run the project's tests when you change code, and say in your notes what you ran.
- Be explicit about uncertainty in your notes; never invent results.`;

const CONTEXT_FILES = [
  '.claude/CLAUDE.md',
  'CLAUDE.md',
  'CLAUDE.local.md',
  'AGENTS.md',
  '.github/AGENTS.md',
  '.cursor/rules/*.mdc',
  '.cursorrules',
  '.windsurf/rules/*.md',
  '.github/copilot-instructions.md',
  '.continue/rules/*.md',
];
const FILES_PER_GLOB = 20;

export interface SystemPromptInput {
  readonly root: string;
  readonly workrailHome: string;
  readonly soulFile: string | undefined;
  readonly referenceUrls: readonly string[];
}

export function buildSystemPrompt(input: SystemPromptInput): string {
  const parts = [BASE, `## Agent Rules and Philosophy\n${readSoul(input).trim()}`, `## Workspace: ${input.root}`];
  const context = workspaceContext(input.root);
  if (context !== '') parts.push(`## Workspace Context\n${context}`);
  if (input.referenceUrls.length > 0) {
    parts.push(`## Reference Documents\n${input.referenceUrls.map((url) => `- ${url}`).join('\n')}`);
  }
  return parts.join('\n\n');
}

/** Trigger soulFile > workspace `.workrail/daemon-soul.md` > `~/.workrail/daemon-soul.md` > built-in (written there). */
function readSoul(input: SystemPromptInput): string {
  const candidates = [input.soulFile, path.join(input.root, '.workrail', 'daemon-soul.md')];
  for (const file of candidates) {
    if (file === undefined) continue;
    const text = readOptional(file);
    if (text !== null) return text;
  }
  const home = path.join(input.workrailHome, 'daemon-soul.md');
  const text = readOptional(home);
  if (text !== null) return text;
  try {
    mkdirSync(input.workrailHome, { recursive: true });
    if (!existsSync(home)) writeFileSync(home, `${BUILT_IN_SOUL}\n`);
  } catch {
    // best effort: the built-in template is used either way
  }
  return BUILT_IN_SOUL;
}

function workspaceContext(root: string): string {
  let out = '';
  let budget = DEFAULTS.workspaceContextMaxBytes;
  for (const pattern of CONTEXT_FILES) {
    for (const relative of expand(root, pattern)) {
      let text = readOptional(path.join(root, relative));
      if (text === null) continue;
      if (relative.endsWith('.mdc') || relative.startsWith('.windsurf/')) text = stripFrontMatter(text);
      const section = `### ${relative}\n${text.trim()}\n\n`;
      if (Buffer.byteLength(section) > budget) {
        out += `[workspace context truncated at ${DEFAULTS.workspaceContextMaxBytes / 1024} KiB]\n`;
        return out.trim();
      }
      budget -= Buffer.byteLength(section);
      out += section;
    }
  }
  return out.trim();
}

function expand(root: string, pattern: string): string[] {
  if (!pattern.includes('*')) return [pattern];
  const dir = path.dirname(pattern);
  const ext = path.extname(pattern);
  try {
    return readdirSync(path.join(root, dir))
      .filter((name) => name.endsWith(ext))
      .sort()
      .slice(0, FILES_PER_GLOB)
      .map((name) => `${dir}/${name}`);
  } catch {
    return [];
  }
}

function stripFrontMatter(text: string): string {
  return text.replace(/^---\n[\s\S]*?\n---\n/, '');
}

function readOptional(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
