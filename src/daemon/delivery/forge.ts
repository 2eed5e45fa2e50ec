// The forge side of delivery stage 5 (docs/worktrain.md §8.5): which forge and repository, which token, and
// creating (or reusing) the pull/merge request through Octokit or gitbeaker.
import { Gitlab } from '@gitbeaker/rest';
import { Octokit } from '@octokit/rest';
import type { Logger } from '../logger.js';

export type ForgeKind = 'github' | 'gitlab';

export interface ForgeTarget {
  readonly kind: ForgeKind;
  /** `owner/repo` on GitHub, the project path (`group/sub/project`) or numeric id on GitLab. */
  readonly repo: string;
  /** GitHub: the REST base URL; GitLab: the host (gitbeaker adds `/api/v4`). */
  readonly apiBaseUrl: string;
  readonly token: string;
}

export interface ForgeSettings {
  readonly kind?: ForgeKind;
  readonly repo?: string;
  readonly apiBaseUrl?: string;
  readonly token?: string;
}

type Env = { readonly [k: string]: string | undefined };

/** Resolves kind, repo, base URL and token from the trigger's `forge`, the origin URL and the environment. */
export function resolveForge(input: {
  readonly forge: ForgeSettings;
  readonly originUrl: string | null;
  readonly env: Env;
  /** A `gitlab_poll` source's `baseUrl`, when the session came from one. */
  readonly gitlabBaseUrl?: string;
}): { ok: true; target: ForgeTarget } | { ok: false; error: string } {
  const origin = input.originUrl === null ? null : parseRemoteUrl(input.originUrl);
  const gitlabHosts = [input.env.GITLAB_BASE_URL, input.gitlabBaseUrl].flatMap((u) => hostOf(u) ?? []);
  const kind: ForgeKind | null =
    input.forge.kind ??
    (origin === null
      ? null
      : origin.host === 'github.com'
        ? 'github'
        : gitlabHosts.includes(origin.host) || origin.host.includes('gitlab')
          ? 'gitlab'
          : null);
  const shownOrigin = input.originUrl === null ? 'no origin' : `origin ${stripCredentials(input.originUrl)}`;
  if (kind === null)
    return { ok: false, error: `cannot tell the forge from ${shownOrigin}; set forge.kind and forge.repo` };
  const repo = input.forge.repo ?? origin?.path;
  if (repo === undefined || repo === '')
    return { ok: false, error: `cannot tell the ${kind} repository from ${shownOrigin}; set forge.repo` };
  if (kind === 'github') {
    const token = input.forge.token ?? input.env.GITHUB_TOKEN ?? input.env.GH_TOKEN;
    if (token === undefined || token === '')
      return { ok: false, error: 'no GitHub token: set forge.token, GITHUB_TOKEN or GH_TOKEN' };
    const apiBaseUrl = input.forge.apiBaseUrl ?? input.env.GITHUB_API_URL ?? 'https://api.github.com';
    return { ok: true, target: { kind, repo, apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''), token } };
  }
  const token = input.forge.token ?? input.env.GITLAB_TOKEN;
  if (token === undefined || token === '')
    return { ok: false, error: 'no GitLab token: set forge.token or GITLAB_TOKEN' };
  const host = input.forge.apiBaseUrl ?? input.env.GITLAB_BASE_URL ?? input.gitlabBaseUrl ?? 'https://gitlab.com';
  return { ok: true, target: { kind, repo, apiBaseUrl: host.replace(/\/+$/, '').replace(/\/api\/v4$/, ''), token } };
}

export interface PullRequestInput {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly draft: boolean;
}

export type PullRequestResult =
  | { readonly ok: true; readonly url: string; readonly reused: boolean }
  | { readonly ok: false; readonly error: string };

/** Creates the PR/MR; when the forge says one exists (422 / 409), the open one for the branch is reused. */
export async function openPullRequest(
  target: ForgeTarget,
  pr: PullRequestInput,
  log: Logger,
): Promise<PullRequestResult> {
  return target.kind === 'github' ? openGithub(target, pr, log) : openGitlab(target, pr);
}

async function openGithub(target: ForgeTarget, pr: PullRequestInput, log: Logger): Promise<PullRequestResult> {
  const [owner, repo] = splitRepo(target.repo);
  if (owner === undefined || repo === undefined)
    return { ok: false, error: `GitHub repository "${target.repo}" is not owner/repo` };
  const octokit = new Octokit({
    auth: target.token,
    baseUrl: target.apiBaseUrl,
    userAgent: 'worktrain',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) },
  });
  try {
    const created = await octokit.rest.pulls.create({ owner, repo, ...pr });
    return { ok: true, url: created.data.html_url, reused: false };
  } catch (error) {
    if (statusOf(error) !== 422)
      return { ok: false, error: `GitHub POST /repos/${owner}/${repo}/pulls ${describe(error)}` };
    try {
      const open = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${pr.head}`, state: 'open' });
      const existing = open.data[0];
      if (existing !== undefined) return { ok: true, url: existing.html_url, reused: true };
      return {
        ok: false,
        error: `GitHub POST /repos/${owner}/${repo}/pulls ${describe(error)}; no open PR for ${pr.head}`,
      };
    } catch (listError) {
      return { ok: false, error: `GitHub GET /repos/${owner}/${repo}/pulls ${describe(listError)}` };
    }
  }
}

async function openGitlab(target: ForgeTarget, pr: PullRequestInput): Promise<PullRequestResult> {
  const api = new Gitlab({ host: target.apiBaseUrl, token: target.token });
  const projectId = /^\d+$/.test(target.repo) ? Number(target.repo) : target.repo;
  try {
    const options = { description: pr.body, draft: pr.draft } as { description: string };
    const created = await api.MergeRequests.create(projectId, pr.head, pr.base, pr.title, options);
    return { ok: true, url: created.web_url, reused: false };
  } catch (error) {
    const where = `GitLab POST /projects/${encodeURIComponent(target.repo)}/merge_requests`;
    if (statusOf(error) !== 409) return { ok: false, error: `${where} ${describe(error)}` };
    try {
      const open = await api.MergeRequests.all({ projectId, sourceBranch: pr.head, state: 'opened' });
      const existing = open[0];
      if (existing !== undefined) return { ok: true, url: existing.web_url, reused: true };
      return { ok: false, error: `${where} ${describe(error)}; no open MR for ${pr.head}` };
    } catch (listError) {
      return { ok: false, error: `GitLab GET merge_requests ${describe(listError)}` };
    }
  }
}

/** Host and path of an `https://`, `ssh://` or scp-like (`git@host:path`) remote URL; null for local paths. */
export function parseRemoteUrl(url: string): { host: string; path: string } | null {
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(url);
  if (scp !== null && !url.includes('://')) return { host: scp[1] ?? '', path: trimRepoPath(scp[2] ?? '') };
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'file:' || parsed.hostname === '') return null;
    return { host: parsed.hostname.toLowerCase(), path: trimRepoPath(decodeURIComponent(parsed.pathname)) };
  } catch {
    return null;
  }
}

function trimRepoPath(p: string): string {
  return p
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

function hostOf(url: string | undefined): string | null {
  if (url === undefined || url === '') return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

function splitRepo(repo: string): [string | undefined, string | undefined] {
  const [owner, name, ...rest] = repo.split('/');
  return rest.length > 0 ? [undefined, undefined] : [owner, name];
}

function statusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return status;
  const response = (error as { cause?: { response?: { status?: unknown } } }).cause?.response;
  return typeof response?.status === 'number' ? response.status : null;
}

function describe(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const description = (error as { cause?: { description?: unknown } }).cause?.description;
  const detail = typeof description === 'string' && description !== message ? `${message} (${description})` : message;
  return status === null ? `failed: ${detail}` : `failed with ${status}: ${detail}`;
}
