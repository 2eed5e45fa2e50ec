// A fake forge on 127.0.0.1 with in-memory state for the GitHub REST, GitLab v4 and Jira v3 calls WorkTrain makes
// (docs/worktrain.md §4, §8.5, §12.1). One server answers all three; point each client at `url`:
//   GitHub   GITHUB_API_URL = url            (Authorization: `token <t>` or `Bearer <t>`)
//   GitLab   GITLAB_BASE_URL / baseUrl = url (`/api/v4` is appended by the client; PRIVATE-TOKEN: <t>)
//   Jira     baseUrl = url                   (Authorization: Basic base64(email:<t>) or Bearer <t>)
// Any other credentials get 401. Every request is recorded in `calls` ({method, path, query, body}).
//
// Seeding (each returns the stored object, which the test may mutate, e.g. `pull.head.sha = 'new'`):
//   forge.github.seedIssue('o/r', { title, labels?: ['bug'], assignee?, user? })   → GitHub issue
//   forge.github.seedPull('o/r', { title, head?: 'branch', sha?, base?, draft?, user?, reviewers? })
//   forge.gitlab.seedMr('group/proj', { title, sha?, source_branch?, author? })  (project id 1, 2, … in seed order)
//   forge.gitlab.seedIssue('group/proj', { title, labels?, author? })
//   forge.jira.seedIssue({ key: 'ABC-1', summary, status?, project?, description? })
// Reading effects: `forge.github.pulls('o/r')`, `forge.github.issue('o/r', n)` (labels, comments),
// `forge.gitlab.mrs(project)`, `forge.gitlab.notes(project, iid)`, `forge.jira.issue(key)` (comments, status).
// Faults: `forge.failNext('GET', /\/issues$/, 500, { count: 2, headers })` answers the next matching calls
// with that status. `forge.github.rateLimitRemaining = 50` sets X-RateLimit-Remaining. `close()` stops it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FORGE_TOKEN = 'forge-test-token-0123456789';
export const FORGE_LOGIN = 'worktrain-bot';

type Json = { [key: string]: unknown };

export interface ForgeCall {
  readonly method: string;
  readonly path: string;
  readonly query: { readonly [key: string]: string };
  readonly body: unknown;
}

interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  remaining: number;
  readonly headers: { readonly [name: string]: string };
}

export interface GithubIssue extends Json {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: { name: string }[];
  assignee: { login: string } | null;
  assignees: { login: string }[];
  user: { login: string };
  html_url: string;
  created_at: string;
  updated_at: string;
  comments_list: { body: string; user: { login: string } }[];
}

export interface GithubIssueSeed {
  title: string;
  body?: string;
  labels?: string[];
  assignee?: string;
  user?: string;
  state?: 'open' | 'closed';
}

export interface GithubPull extends Json {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  draft: boolean;
  head: { ref: string; sha: string; label: string };
  base: { ref: string };
  user: { login: string };
  labels: { name: string }[];
  requested_reviewers: { login: string }[];
  html_url: string;
  created_at: string;
  updated_at: string;
  merged: boolean;
}

export interface GitlabItem extends Json {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string;
  state: 'opened' | 'closed' | 'merged';
  labels: string[];
  author: { username: string };
  web_url: string;
  created_at: string;
  updated_at: string;
  sha?: string;
  source_branch?: string;
  target_branch?: string;
  draft?: boolean;
}

interface GitlabProject {
  readonly id: number;
  readonly path: string;
  readonly mrs: GitlabItem[];
  readonly issues: GitlabItem[];
  readonly notes: Map<number, { body: string }[]>;
  nextIid: number;
}

export interface JiraIssue {
  key: string;
  id: string;
  fields: {
    summary: string;
    description: unknown;
    status: { name: string };
    project: { key: string };
    created: string;
    updated: string;
    assignee: { emailAddress: string } | null;
  };
  comments: { body: unknown }[];
}

export interface FakeForge {
  readonly url: string;
  readonly token: string;
  readonly calls: ForgeCall[];
  failNext(
    method: string,
    path: RegExp,
    status: number,
    options?: { count?: number; headers?: { [name: string]: string } },
  ): void;
  /** Calls with this method whose path matches. */
  callsTo(method: string, path: RegExp): ForgeCall[];
  readonly github: {
    rateLimitRemaining: number;
    seedIssue(repo: string, item: GithubIssueSeed): GithubIssue;
    seedPull(
      repo: string,
      item: {
        title: string;
        head?: string;
        sha?: string;
        base?: string;
        draft?: boolean;
        user?: string;
        reviewers?: string[];
        labels?: string[];
        body?: string;
      },
    ): GithubPull;
    pulls(repo: string): GithubPull[];
    issue(repo: string, n: number): GithubIssue | undefined;
  };
  readonly gitlab: {
    seedMr(
      project: string,
      item: { title: string; sha?: string; source_branch?: string; author?: string; labels?: string[] },
    ): GitlabItem;
    seedIssue(
      project: string,
      item: { title: string; description?: string; author?: string; labels?: string[] },
    ): GitlabItem;
    mrs(project: string): GitlabItem[];
    notes(project: string, iid: number): { body: string }[];
    projectId(project: string): number;
  };
  readonly jira: {
    seedIssue(item: {
      key: string;
      summary: string;
      status?: string;
      project?: string;
      description?: unknown;
      created?: string;
    }): JiraIssue;
    issue(key: string): JiraIssue | undefined;
    /** Transitions offered for every issue: id and target status name. */
    transitions: { id: string; name: string }[];
  };
  close(): Promise<void>;
}

interface GithubRepo {
  readonly issues: GithubIssue[];
  readonly pulls: GithubPull[];
  nextNumber: number;
}

export async function startFakeForge(options: { token?: string; login?: string } = {}): Promise<FakeForge> {
  const token = options.token ?? FORGE_TOKEN;
  const login = options.login ?? FORGE_LOGIN;
  const calls: ForgeCall[] = [];
  const faults: Fault[] = [];
  const githubRepos = new Map<string, GithubRepo>();
  const gitlabProjects: GitlabProject[] = [];
  const jiraIssues = new Map<string, JiraIssue>();
  let clock = Date.parse('2025-01-01T00:00:00Z');
  // Strictly increasing timestamps, so "updated after" filters see every change.
  const stamp = () => {
    clock = Math.max(clock + 1000, Date.now());
    return new Date(clock).toISOString();
  };
  let baseUrl = '';

  const repoOf = (repo: string): GithubRepo => {
    let found = githubRepos.get(repo);
    if (found === undefined) {
      found = { issues: [], pulls: [], nextNumber: 1 };
      githubRepos.set(repo, found);
    }
    return found;
  };
  const projectOf = (idOrPath: string): GitlabProject => {
    const decoded = decodeURIComponent(idOrPath);
    let found = gitlabProjects.find((p) => String(p.id) === decoded || p.path === decoded);
    if (found === undefined) {
      found = { id: gitlabProjects.length + 1, path: decoded, mrs: [], issues: [], notes: new Map(), nextIid: 1 };
      gitlabProjects.push(found);
    }
    return found;
  };

  const github = {
    rateLimitRemaining: 5000,
    seedIssue(repo: string, item: GithubIssueSeed) {
      const r = repoOf(repo);
      const n = r.nextNumber++;
      const assignee = item.assignee === undefined ? null : { login: item.assignee };
      const created = stamp();
      const issue: GithubIssue = {
        id: 1000 + n,
        number: n,
        title: item.title,
        body: item.body ?? '',
        state: item.state ?? 'open',
        created_at: created,
        updated_at: created,
        labels: (item.labels ?? []).map((name) => ({ name })),
        assignee,
        assignees: assignee === null ? [] : [assignee],
        user: { login: item.user ?? 'alice' },
        html_url: `https://github.example/${repo}/issues/${n}`,
        comments_list: [],
      };
      r.issues.push(issue);
      return issue;
    },
    seedPull(
      repo: string,
      item: {
        title: string;
        head?: string;
        sha?: string;
        base?: string;
        draft?: boolean;
        user?: string;
        reviewers?: string[];
        labels?: string[];
        body?: string;
      },
    ) {
      return addPull(repo, item);
    },
    pulls: (repo: string) => repoOf(repo).pulls,
    issue: (repo: string, n: number) => repoOf(repo).issues.find((i) => i.number === n),
  };

  const addPull = (
    repo: string,
    item: {
      title: string;
      head?: string;
      sha?: string;
      base?: string;
      draft?: boolean;
      user?: string;
      reviewers?: string[];
      labels?: string[];
      body?: string;
    },
  ): GithubPull => {
    const r = repoOf(repo);
    const n = r.nextNumber++;
    const owner = repo.split('/')[0] ?? '';
    const ref = item.head ?? `feature-${n}`;
    const created = stamp();
    const pull: GithubPull = {
      id: 2000 + n,
      number: n,
      title: item.title,
      body: item.body ?? '',
      state: 'open',
      draft: item.draft ?? false,
      head: { ref, sha: item.sha ?? `sha${n}a`, label: `${owner}:${ref}` },
      base: { ref: item.base ?? 'main' },
      user: { login: item.user ?? 'alice' },
      labels: (item.labels ?? []).map((name) => ({ name })),
      requested_reviewers: (item.reviewers ?? []).map((l) => ({ login: l })),
      html_url: `https://github.example/${repo}/pull/${n}`,
      created_at: created,
      updated_at: created,
      merged: false,
    };
    r.pulls.push(pull);
    return pull;
  };

  const gitlab = {
    seedMr(
      project: string,
      item: { title: string; sha?: string; source_branch?: string; author?: string; labels?: string[] },
    ) {
      return addMr(projectOf(project), { ...item, target_branch: 'main', description: '' });
    },
    seedIssue(project: string, item: { title: string; description?: string; author?: string; labels?: string[] }) {
      const p = projectOf(project);
      const iid = p.nextIid++;
      const created = stamp();
      const issue: GitlabItem = {
        id: 5000 + p.id * 100 + iid,
        iid,
        project_id: p.id,
        title: item.title,
        description: item.description ?? '',
        state: 'opened',
        labels: item.labels ?? [],
        author: { username: item.author ?? 'alice' },
        web_url: `https://gitlab.example/${p.path}/-/issues/${iid}`,
        created_at: created,
        updated_at: created,
      };
      p.issues.push(issue);
      return issue;
    },
    mrs: (project: string) => projectOf(project).mrs,
    notes: (project: string, iid: number) => projectOf(project).notes.get(iid) ?? [],
    projectId: (project: string) => projectOf(project).id,
  };

  const addMr = (
    p: GitlabProject,
    item: {
      title: string;
      sha?: string;
      source_branch?: string;
      target_branch?: string;
      author?: string;
      labels?: string[];
      description?: string;
      draft?: boolean;
    },
  ): GitlabItem => {
    const iid = p.nextIid++;
    const created = stamp();
    const mr: GitlabItem = {
      id: 7000 + p.id * 100 + iid,
      iid,
      project_id: p.id,
      title: item.title,
      description: item.description ?? '',
      state: 'opened',
      labels: item.labels ?? [],
      author: { username: item.author ?? 'alice' },
      web_url: `https://gitlab.example/${p.path}/-/merge_requests/${iid}`,
      created_at: created,
      updated_at: created,
      sha: item.sha ?? `mrsha${iid}a`,
      source_branch: item.source_branch ?? `feature-${iid}`,
      target_branch: item.target_branch ?? 'main',
      draft: item.draft ?? false,
    };
    p.mrs.push(mr);
    return mr;
  };

  const jira = {
    transitions: [
      { id: '11', name: 'To Do' },
      { id: '21', name: 'In Progress' },
      { id: '31', name: 'In Review' },
      { id: '41', name: 'Done' },
    ],
    seedIssue(item: {
      key: string;
      summary: string;
      status?: string;
      project?: string;
      description?: unknown;
      created?: string;
    }) {
      const created = item.created ?? stamp();
      const issue: JiraIssue = {
        key: item.key,
        id: String(10_000 + jiraIssues.size),
        fields: {
          summary: item.summary,
          description: item.description ?? null,
          status: { name: item.status ?? 'To Do' },
          project: { key: item.project ?? item.key.split('-')[0] ?? '' },
          created,
          updated: created,
          assignee: null,
        },
        comments: [],
      };
      jiraIssues.set(item.key, issue);
      return issue;
    },
    issue: (key: string) => jiraIssues.get(key),
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://forge.local');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown = null;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    calls.push({ method, path: url.pathname, query, body });
    const fault = faults.find((f) => f.remaining > 0 && f.method === method && f.path.test(url.pathname));
    if (fault !== undefined) {
      fault.remaining -= 1;
      return send(res, fault.status, { message: `injected ${fault.status}` }, fault.headers);
    }
    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (parts[0] === 'api' && parts[1] === 'v4') {
      if (req.headers['private-token'] !== token) return send(res, 401, { message: '401 Unauthorized' });
      return gitlabRoute(res, method, parts.slice(2), url.searchParams, body as Json);
    }
    if (parts[0] === 'rest' && parts[1] === 'api' && parts[2] === '3') {
      if (!jiraAuthorized(req.headers.authorization, token)) return send(res, 401, { errorMessages: ['Unauthorized'] });
      return jiraRoute(res, method, parts.slice(3), url.searchParams, body as Json);
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`) return send(res, 401, { message: 'Bad credentials' });
    return githubRoute(res, method, parts, url.searchParams, body as Json);
  };

  const githubHeaders = () => ({ 'x-ratelimit-remaining': String(github.rateLimitRemaining) });

  const githubRoute = (res: ServerResponse, method: string, parts: string[], q: URLSearchParams, body: Json) => {
    const gh = (status: number, data: unknown, extra: { [name: string]: string } = {}) =>
      send(res, status, data, { ...githubHeaders(), ...extra });
    if (method === 'GET' && parts.length === 1 && parts[0] === 'user') return gh(200, { login, id: 1 });
    if (method === 'GET' && parts[0] === 'search' && parts[1] === 'issues') {
      const matched = searchIssues(q.get('q') ?? '');
      const page = paginate(matched, q);
      return gh(200, { total_count: matched.length, incomplete_results: false, items: page.items }, page.link);
    }
    if (parts[0] !== 'repos' || parts.length < 4) return gh(404, { message: 'Not Found' });
    const repo = `${parts[1]}/${parts[2]}`;
    const r = repoOf(repo);
    const rest = parts.slice(3);
    if (rest[0] === 'issues' && rest.length === 1 && method === 'GET') {
      let list: Json[] = [...r.issues.map(issueView), ...r.pulls.map((p) => pullAsIssue(repo, p))];
      const state = q.get('state') ?? 'open';
      if (state !== 'all') list = list.filter((i) => i.state === state);
      const labels = q.get('labels');
      if (labels) {
        const wanted = labels.split(',');
        list = list.filter((i) => wanted.every((w) => (i.labels as { name: string }[]).some((l) => l.name === w)));
      }
      const assignee = q.get('assignee');
      if (assignee) list = list.filter((i) => (i.assignee as { login: string } | null)?.login === assignee);
      const since = q.get('since');
      if (since) list = list.filter((i) => String(i.updated_at) >= since);
      list.sort(sorter(q, 'updated_at'));
      const page = paginate(list, q);
      return gh(200, page.items, page.link);
    }
    if (rest[0] === 'issues' && rest.length === 3 && method === 'POST') {
      const n = Number(rest[1]);
      const issue = r.issues.find((i) => i.number === n);
      const pull = r.pulls.find((p) => p.number === n);
      if (issue === undefined && pull === undefined) return gh(404, { message: 'Not Found' });
      if (rest[2] === 'labels') {
        const names = (Array.isArray(body) ? body : ((body?.labels as unknown[]) ?? [])).map((l) =>
          typeof l === 'string' ? l : String((l as Json).name),
        );
        const target = issue ?? pull;
        for (const name of names)
          if (target !== undefined && !target.labels.some((l) => l.name === name)) target.labels.push({ name });
        if (target !== undefined) target.updated_at = stamp();
        return gh(200, target?.labels ?? []);
      }
      if (rest[2] === 'comments') {
        const comment = { id: calls.length, body: String(body?.body ?? ''), user: { login } };
        if (issue !== undefined) {
          issue.comments_list.push(comment);
          issue.updated_at = stamp();
        }
        return gh(201, { ...comment, html_url: `${issue?.html_url ?? pull?.html_url}#comment-${comment.id}` });
      }
    }
    if (rest[0] === 'pulls' && rest.length === 1 && method === 'GET') {
      let list = [...r.pulls];
      const state = q.get('state') ?? 'open';
      if (state !== 'all') list = list.filter((p) => p.state === state);
      const head = q.get('head');
      if (head) list = list.filter((p) => p.head.label === head || p.head.ref === head);
      const base = q.get('base');
      if (base) list = list.filter((p) => p.base.ref === base);
      list.sort(sorter(q, q.get('sort') === 'updated' ? 'updated_at' : 'created_at'));
      const page = paginate(list, q);
      return gh(200, page.items, page.link);
    }
    if (rest[0] === 'pulls' && rest.length === 1 && method === 'POST') {
      const headParam = String(body?.head ?? '');
      const ref = headParam.includes(':') ? headParam.slice(headParam.indexOf(':') + 1) : headParam;
      if (!ref || !body?.title || !body?.base) return gh(422, { message: 'Validation Failed', errors: [] });
      if (r.pulls.some((p) => p.state === 'open' && p.head.ref === ref)) {
        return gh(422, {
          message: 'Validation Failed',
          errors: [
            { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${headParam}.` },
          ],
        });
      }
      const pull = addPull(repo, {
        title: String(body.title),
        head: ref,
        base: String(body.base),
        body: String(body.body ?? ''),
        draft: body.draft === true,
        user: login,
      });
      return gh(201, pull);
    }
    if (rest[0] === 'pulls' && rest.length === 3 && rest[2] === 'merge' && method === 'PUT') {
      const pull = r.pulls.find((p) => p.number === Number(rest[1]));
      if (pull === undefined) return gh(404, { message: 'Not Found' });
      if (pull.state !== 'open') return gh(405, { message: 'Pull Request is not mergeable' });
      pull.state = 'closed';
      pull.merged = true;
      return gh(200, { merged: true, sha: `merge-${pull.head.sha}`, message: 'Pull Request successfully merged' });
    }
    return gh(404, { message: 'Not Found' });
  };

  const issueView = (i: GithubIssue): Json => {
    const { comments_list, ...rest } = i;
    return { ...rest, comments: comments_list.length };
  };
  const pullAsIssue = (repo: string, p: GithubPull): Json => ({
    id: p.id,
    number: p.number,
    title: p.title,
    body: p.body,
    state: p.state,
    labels: p.labels,
    assignee: null,
    assignees: [],
    user: p.user,
    html_url: p.html_url,
    created_at: p.created_at,
    updated_at: p.updated_at,
    pull_request: { url: `${baseUrl}/repos/${repo}/pulls/${p.number}`, html_url: p.html_url },
  });

  // GitHub search: supports `repo:o/r`, `is:issue|pr`, `is:open|closed`, `label:x`, `assignee:x`; other words
  // must appear in the title.
  const searchIssues = (text: string): Json[] => {
    const terms = text.split(/\s+/).filter((t) => t !== '');
    let list: Json[] = [];
    for (const [repo, r] of githubRepos) {
      list.push(
        ...r.issues.map((i) => ({ ...issueView(i), repository_url: `${baseUrl}/repos/${repo}`, _repo: repo })),
        ...r.pulls.map((p) => ({ ...pullAsIssue(repo, p), _repo: repo })),
      );
    }
    for (const term of terms) {
      const [key, value] = term.includes(':')
        ? [term.slice(0, term.indexOf(':')), term.slice(term.indexOf(':') + 1)]
        : ['', term];
      const v = value.replace(/^"|"$/g, '');
      if (key === 'repo') list = list.filter((i) => i._repo === v);
      else if (key === 'is' && (v === 'issue' || v === 'pr'))
        list = list.filter((i) => (i.pull_request !== undefined) === (v === 'pr'));
      else if (key === 'is' || key === 'state') list = list.filter((i) => i.state === v);
      else if (key === 'label') list = list.filter((i) => (i.labels as { name: string }[]).some((l) => l.name === v));
      else if (key === 'assignee')
        list = list.filter((i) => (i.assignee as { login: string } | null)?.login === (v === '@me' ? login : v));
      else if (key === '') list = list.filter((i) => String(i.title).toLowerCase().includes(v.toLowerCase()));
    }
    return list
      .map(({ _repo, ...rest }) => rest)
      .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  };

  const gitlabRoute = (res: ServerResponse, method: string, parts: string[], q: URLSearchParams, body: Json) => {
    if (parts[0] === 'user' && parts.length === 1) return send(res, 200, { username: login, id: 1 });
    if (parts[0] !== 'projects' || parts.length < 3) return send(res, 404, { message: '404 Not found' });
    const p = projectOf(parts[1] ?? '');
    const kind = parts[2];
    const items = kind === 'merge_requests' ? p.mrs : kind === 'issues' ? p.issues : null;
    if (items === null) return send(res, 404, { message: '404 Not found' });
    if (parts.length === 3 && method === 'GET') {
      let list = [...items];
      const state = q.get('state') ?? 'all';
      if (state !== 'all') list = list.filter((i) => i.state === state);
      const after = q.get('updated_after');
      if (after) list = list.filter((i) => i.updated_at > new Date(after).toISOString());
      const sourceBranch = q.get('source_branch');
      if (sourceBranch) list = list.filter((i) => i.source_branch === sourceBranch);
      const labels = q.get('labels');
      if (labels) list = list.filter((i) => labels.split(',').every((l) => i.labels.includes(l)));
      const orderBy = q.get('order_by') === 'updated_at' ? 'updated_at' : 'created_at';
      const asc = q.get('sort') === 'asc';
      list.sort((a, b) => (asc ? 1 : -1) * String(a[orderBy]).localeCompare(String(b[orderBy])));
      const page = paginate(list, q);
      const headers: { [name: string]: string } = {};
      if (page.next !== null) headers['x-next-page'] = String(page.next);
      else headers['x-next-page'] = '';
      return send(res, 200, page.items, headers);
    }
    if (parts.length === 3 && method === 'POST' && kind === 'merge_requests') {
      const source = String(body?.source_branch ?? '');
      if (!source || !body?.target_branch || !body?.title) return send(res, 400, { message: 'missing fields' });
      if (p.mrs.some((m) => m.state === 'opened' && m.source_branch === source)) {
        return send(res, 409, {
          message: [
            `Another open merge request already exists for this source branch: !${p.mrs.find((m) => m.source_branch === source)?.iid}`,
          ],
        });
      }
      const mr = addMr(p, {
        title: String(body.title),
        source_branch: source,
        target_branch: String(body.target_branch),
        description: String(body.description ?? ''),
        draft: body.draft === true,
        author: login,
      });
      return send(res, 201, mr);
    }
    const iid = Number(parts[3]);
    const item = items.find((i) => i.iid === iid);
    if (item === undefined) return send(res, 404, { message: '404 Not found' });
    if (parts.length === 5 && parts[4] === 'notes' && method === 'POST') {
      const note = { id: calls.length, body: String(body?.body ?? '') };
      const list = p.notes.get(iid) ?? [];
      list.push(note);
      p.notes.set(iid, list);
      item.updated_at = stamp();
      return send(res, 201, note);
    }
    if (parts.length === 5 && parts[4] === 'merge' && method === 'PUT' && kind === 'merge_requests') {
      if (item.state !== 'opened') return send(res, 405, { message: 'Method Not Allowed' });
      item.state = 'merged';
      return send(res, 200, item);
    }
    if (parts.length === 4 && method === 'GET') return send(res, 200, item);
    return send(res, 404, { message: '404 Not found' });
  };

  const jiraRoute = (res: ServerResponse, method: string, parts: string[], q: URLSearchParams, body: Json) => {
    if (method === 'GET' && parts[0] === 'search' && parts[1] === 'jql') {
      const jql = q.get('jql') ?? '';
      let list = [...jiraIssues.values()];
      const project = /project\s*=\s*"?([^"\s]+)"?/i.exec(jql)?.[1];
      if (project) list = list.filter((i) => i.fields.project.key === project);
      const status = /status\s*=\s*"([^"]+)"/i.exec(jql)?.[1] ?? /status\s*=\s*([^\s"]+)/i.exec(jql)?.[1];
      if (status) list = list.filter((i) => i.fields.status.name === status);
      list.sort((a, b) => a.fields.created.localeCompare(b.fields.created));
      const max = Number(q.get('maxResults') ?? 50);
      return send(res, 200, {
        issues: list
          .slice(0, max)
          .map(({ comments, ...issue }) => ({ ...issue, self: `${baseUrl}/rest/api/3/issue/${issue.id}` })),
        isLast: list.length <= max,
      });
    }
    if (parts[0] !== 'issue' || parts.length < 3) return send(res, 404, { errorMessages: ['Not found'] });
    const issue = jiraIssues.get(parts[1] ?? '');
    if (issue === undefined) return send(res, 404, { errorMessages: ['Issue does not exist'] });
    if (parts[2] === 'comment' && method === 'POST') {
      issue.comments.push({ body: body?.body });
      return send(res, 201, { id: String(issue.comments.length), body: body?.body });
    }
    if (parts[2] === 'transitions' && method === 'GET') {
      return send(res, 200, { transitions: jira.transitions.map((t) => ({ ...t, to: { name: t.name } })) });
    }
    if (parts[2] === 'transitions' && method === 'POST') {
      const id = String((body?.transition as Json | undefined)?.id ?? '');
      const transition = jira.transitions.find((t) => t.id === id);
      if (transition === undefined) return send(res, 400, { errorMessages: [`transition ${id} not found`] });
      issue.fields.status = { name: transition.name };
      issue.fields.updated = stamp();
      res.writeHead(204);
      res.end();
      return;
    }
    return send(res, 404, { errorMessages: ['Not found'] });
  };

  const paginate = <T>(list: T[], q: URLSearchParams) => {
    const currentPath = calls[calls.length - 1]?.path ?? '';
    const perPage = Math.min(100, Number(q.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const items = list.slice((page - 1) * perPage, page * perPage);
    const next = page * perPage < list.length ? page + 1 : null;
    const link: { [name: string]: string } = {};
    if (next !== null) {
      const nextQuery = new URLSearchParams(q);
      nextQuery.set('page', String(next));
      link.link = `<${baseUrl}${currentPath}?${nextQuery.toString()}>; rel="next"`;
    }
    return { items, next, link };
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    token,
    calls,
    failNext(method, path, status, opts = {}) {
      faults.push({ method, path, status, remaining: opts.count ?? 1, headers: opts.headers ?? {} });
    },
    callsTo: (method, path) => calls.filter((c) => c.method === method && path.test(c.path)),
    github,
    gitlab,
    jira,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sorter(q: URLSearchParams, field: string) {
  const asc = q.get('direction') === 'asc';
  return (a: Json, b: Json) => (asc ? 1 : -1) * String(a[field]).localeCompare(String(b[field]));
}

function jiraAuthorized(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  if (header === `Bearer ${token}`) return true;
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded.endsWith(`:${token}`) && decoded.indexOf(':') > 0;
}

function send(res: ServerResponse, status: number, body: unknown, headers: { readonly [name: string]: string } = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
