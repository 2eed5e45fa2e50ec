// Jira listing for `jira_poll` (docs/worktrain.md §4.2) over fetch: `GET /rest/api/3/search/jql` with the
// configured JQL (or one built from project, status and assignee), oldest first, and the comment and transition
// calls made after a PR opens.
import { type Listing, MAX_PAGES, PollError, type PollItem } from './poll-item.js';
import type { JiraSource } from './source-schema.js';

type Json = { [key: string]: unknown };
const PAGE = 50;

export function jiraJql(source: JiraSource): string {
  if (source.jql !== undefined) return source.jql;
  const clauses = [`project = "${source.project ?? ''}"`];
  if (source.statusFilter !== undefined) clauses.push(`status = "${source.statusFilter}"`);
  clauses.push(`assignee = ${source.assigneeFilter ?? 'currentUser()'}`);
  return `${clauses.join(' AND ')} ORDER BY created ASC`;
}

function authHeader(source: JiraSource): string {
  return source.email === undefined
    ? `Bearer ${source.token}`
    : `Basic ${Buffer.from(`${source.email}:${source.token}`).toString('base64')}`;
}

async function jiraFetch(source: JiraSource, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${source.baseUrl.replace(/\/+$/, '')}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: authHeader(source),
      accept: 'application/json',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new PollError(
      `Jira ${response.status}: ${(await response.text()).slice(0, 200)}`,
      response.status === 429 && Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
    );
  }
  return response.status === 204 ? null : ((await response.json()) as Json);
}

/** Atlassian document format to plain text: text nodes joined, one line per block. */
export function adfToText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node !== 'object' || node === null) return '';
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfToText);
  const block = ['doc', 'bulletList', 'orderedList', 'blockquote', 'table', 'tableRow'].includes(n.type ?? '');
  return block ? inner.filter((t) => t !== '').join('\n') : inner.join('');
}

export async function listJira(source: JiraSource): Promise<Listing> {
  const issues: Json[] = [];
  let pageToken: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      jql: jiraJql(source),
      fields: 'summary,description,status,updated,created',
      maxResults: String(PAGE),
    });
    if (pageToken !== null) query.set('nextPageToken', pageToken);
    const data = await jiraFetch(source, `/rest/api/3/search/jql?${query.toString()}`);
    issues.push(...((data?.issues as Json[] | undefined) ?? []));
    pageToken = typeof data?.nextPageToken === 'string' ? data.nextPageToken : null;
    if (pageToken === null || data?.isLast === true) break;
  }
  const base = source.baseUrl.replace(/\/+$/, '');
  const items = issues.map((issue): PollItem => {
    const fields = (issue.fields as Json | undefined) ?? {};
    const key = String(issue.key);
    return {
      itemKey: `jira:${key}`,
      eventKey: `jira:${key}`,
      payload: issue,
      context: {
        issueKey: key,
        issueSummary: String(fields.summary ?? ''),
        issueDescription: adfToText(fields.description),
        issueUrl: `${base}/browse/${key}`,
        issueStatus: String((fields.status as Json | undefined)?.name ?? ''),
      },
      createdAt: String(fields.created ?? ''),
      ref: { forge: 'jira', key },
    };
  });
  return { items, warning: null };
}

function adfParagraph(text: string) {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

export async function jiraComment(source: JiraSource, key: string, text: string): Promise<void> {
  await jiraFetch(source, `/rest/api/3/issue/${encodeURIComponent(key)}/comment`, {
    method: 'POST',
    body: { body: adfParagraph(text) },
  });
}

/** Applies the transition named `status` (by transition or target status name); false when none matches. */
export async function jiraTransition(source: JiraSource, key: string, status: string): Promise<boolean> {
  const path = `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`;
  const data = await jiraFetch(source, path);
  const wanted = status.toLowerCase();
  const match = ((data?.transitions as Json[] | undefined) ?? []).find(
    (t) => String(t.name).toLowerCase() === wanted || String((t.to as Json | undefined)?.name).toLowerCase() === wanted,
  );
  if (match === undefined) return false;
  await jiraFetch(source, path, { method: 'POST', body: { transition: { id: String(match.id) } } });
  return true;
}
