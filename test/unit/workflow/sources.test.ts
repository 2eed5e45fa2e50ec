import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundledWorkflowsDir,
  collectJsonFiles,
  createWorkflowSources,
  findJsonFiles,
  type WorkflowSources,
  type WorkflowSourcesConfig,
} from '../../../src/workflow/sources.js';
import { validateWorkflow } from '../../../src/workflow/validate.js';
import { bundledDocuments } from '../../support/bundled.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const temporaryDirs: string[] = [];

afterEach(() => {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'workrail-sources-'));
  temporaryDirs.push(dir);
  return dir;
}

function doc(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `Workflow ${id}`,
    description: 'A test workflow.',
    version: '1.0.0',
    steps: [{ id: 'step-one', title: 'One', prompt: 'Do it.' }],
    ...extra,
  };
}

function write(dir: string, relPath: string, content: unknown): string {
  const file = path.join(dir, relPath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

interface Setup {
  home: string;
  user: string;
  sources: WorkflowSources;
  now: { ms: number };
}

function setup(overrides: Partial<WorkflowSourcesConfig> = {}): Setup {
  const home = tempDir();
  const now = { ms: 1_700_000_000_000 };
  const config: WorkflowSourcesConfig = {
    workrailHome: home,
    bundledDir: bundledWorkflowsDir(),
    includeBundled: true,
    includeUser: true,
    includeProject: true,
    storagePaths: [],
    ...overrides,
  };
  return {
    home,
    user: path.join(home, 'workflows'),
    sources: createWorkflowSources(config, { now: () => now.ms }),
    now,
  };
}

/** The ids declared by the bundled files, sorted as the catalog lists them. */
const BUNDLED_IDS = bundledDocuments()
  .map((document) => document.id)
  .sort();

describe('bundled source', () => {
  it('lists every bundled workflow file as valid, with no warnings', () => {
    const { sources } = setup({ includeUser: false, includeProject: false });
    const catalog = sources.list();
    expect(catalog.entries.map((entry) => entry.id)).toEqual(BUNDLED_IDS);
    expect(catalog.entries).toHaveLength(findJsonFiles(bundledWorkflowsDir()).length);
    expect(catalog.warnings).toEqual([]);
    expect(catalog.validationWarnings).toEqual([]);
    expect(catalog.entries.every((entry) => entry.source.kind === 'bundled')).toBe(true);
  });

  it('validates each bundled file on its own with allowReservedIds', () => {
    const { sources } = setup();
    for (const relPath of findJsonFiles(bundledWorkflowsDir())) {
      const text = readFileSync(path.join(bundledWorkflowsDir(), relPath), 'utf8');
      const report = validateWorkflow(text, { templates: sources.templates(), allowReservedIds: true });
      expect({ relPath, issues: report.issues }).toEqual({ relPath, issues: [] });
    }
  });

  it('provides the templates of the bundled routines', () => {
    const { sources } = setup();
    const template = sources.templates().get('wr.templates.routine.self-review');
    expect(template?.routineId).toBe('wr.routine-self-review');
  });

  it('expands the routine into the workflow that calls it', () => {
    const { sources } = setup();
    const documentation = sources.get('wr.documentation');
    const stepIds = documentation?.entry.workflow.steps.map((step) => step.id);
    expect(stepIds).toContain('review-doc.review-deliverable');
  });

  it('leaves the bundled workflows out when WORKFLOW_INCLUDE_BUNDLED is off but keeps their templates', () => {
    const { sources, user } = setup({ includeBundled: false });
    write(user, 'uses-template.json', {
      ...doc('acme.uses-template'),
      steps: [
        {
          id: 'check',
          title: 'Check',
          templateCall: { templateId: 'wr.templates.routine.self-review', args: { deliverable: 'x' } },
        },
      ],
    });
    expect(sources.list().entries.map((entry) => entry.id)).toEqual(['acme.uses-template']);
  });
});

describe('precedence', () => {
  it('lets later sources win: user < managed < WORKFLOW_STORAGE_PATH < workspace/workflows < workspace/.workrail/workflows', () => {
    const storage = tempDir();
    const managed = tempDir();
    const ws = tempDir();
    const { sources, user, now } = setup({ storagePaths: [storage] });
    sources.attach(managed, now.ms);
    const copies: [string, string][] = [
      [user, 'user'],
      [managed, 'managed'],
      [storage, 'storage'],
      [path.join(ws, 'workflows'), 'legacy'],
      [path.join(ws, '.workrail', 'workflows'), 'project'],
    ];
    for (const [dir, name] of copies) write(dir, 'demo.json', doc('acme.demo', { name }));

    const names: string[] = [];
    for (const [dir] of [...copies].reverse()) {
      names.push(sources.get('acme.demo', ws)?.entry.document.name ?? 'none');
      rmSync(path.join(dir, 'demo.json'));
    }
    expect(names).toEqual(['project', 'legacy', 'storage', 'managed', 'user']);
  });

  it('reports the source kinds custom and project for managed, configured and workspace directories', () => {
    const storage = tempDir();
    const ws = tempDir();
    const { sources } = setup({ storagePaths: [storage] });
    write(storage, 'a.json', doc('acme.stored'));
    write(path.join(ws, '.workrail', 'workflows'), 'b.json', doc('acme.local'));
    const kinds = Object.fromEntries(sources.list(ws).entries.map((entry) => [entry.id, entry.source.kind]));
    expect(kinds).toMatchObject({ 'acme.stored': 'custom', 'acme.local': 'project', 'wr.quick-task': 'bundled' });
  });

  it('counts total, effective and shadowed workflows per source', () => {
    const ws = tempDir();
    const { sources, user } = setup();
    write(user, 'a.json', doc('acme.alpha'));
    write(user, 'b.json', doc('acme.beta'));
    write(path.join(ws, '.workrail', 'workflows'), 'a.json', doc('acme.alpha'));
    const userSource = sources.list(ws).sources.find((source) => source.kind === 'user');
    expect(userSource).toMatchObject({ totalWorkflowCount: 2, effectiveWorkflowCount: 1, shadowedWorkflowCount: 1 });
  });

  it('includes no workspace sources when no workspace is given', () => {
    const ws = tempDir();
    const { sources } = setup();
    write(path.join(ws, '.workrail', 'workflows'), 'a.json', doc('acme.local'));
    expect(sources.get('acme.local')).toBeUndefined();
    expect(sources.get('acme.local', ws)).toBeDefined();
  });

  it('reads a directory once when the workspace legacy folder is the bundled library itself', () => {
    const { sources } = setup();
    const packageRoot = path.dirname(bundledWorkflowsDir());
    const catalog = sources.list(packageRoot);
    expect(catalog.validationWarnings).toEqual([]);
    expect(catalog.sources.filter((source) => source.kind === 'project')).toHaveLength(1);
  });

  it('skips project sources when WORKFLOW_INCLUDE_PROJECT is off', () => {
    const ws = tempDir();
    const { sources } = setup({ includeProject: false });
    write(path.join(ws, '.workrail', 'workflows'), 'a.json', doc('acme.local'));
    expect(sources.get('acme.local', ws)).toBeUndefined();
  });
});

describe('files in a directory source', () => {
  it('reads nested directories, skips examples/ and marks internal/ entries as internal', () => {
    const { sources, user } = setup();
    write(user, 'team/deploy.json', doc('acme.deploy'));
    write(user, 'examples/sample.json', doc('acme.sample'));
    write(user, 'internal/helper.json', doc('acme.helper'));
    const entries = sources.list().entries;
    expect(entries.find((entry) => entry.id === 'acme.deploy')?.internal).toBe(false);
    expect(entries.find((entry) => entry.id === 'acme.helper')?.internal).toBe(true);
    expect(entries.some((entry) => entry.id === 'acme.sample')).toBe(false);
  });

  it('skips files that are not valid JSON, have no string id, or exceed 1 MiB, with a warning each', () => {
    const { sources, user } = setup();
    write(user, 'broken.json', '{"id": "acme.broken",');
    write(user, 'no-id.json', { name: 'x' });
    write(user, 'huge.json', `${JSON.stringify(doc('acme.huge'))}${' '.repeat(1024 * 1024)}`);
    const catalog = sources.list();
    const skipped = catalog.warnings.filter((warning) => warning.code === 'WORKFLOW_FILE_SKIPPED');
    expect(skipped.map((warning) => path.basename(warning.message.split(':')[0]!)).sort()).toEqual([
      'broken.json',
      'huge.json',
      'no-id.json',
    ]);
    expect(catalog.entries.some((entry) => entry.id === 'acme.huge')).toBe(false);
  });

  it('uses the lexicographically smallest relative path when one source has an id twice', () => {
    const { sources, user } = setup();
    write(user, 'b.json', doc('acme.twice', { name: 'from b' }));
    write(user, 'a/z.json', doc('acme.twice', { name: 'from a/z' }));
    const catalog = sources.list();
    expect(catalog.entries.find((entry) => entry.id === 'acme.twice')?.document.name).toBe('from a/z');
    const duplicate = catalog.warnings.find((warning) => warning.code === 'DUPLICATE_WORKFLOW_ID');
    expect(duplicate?.message).toContain('b.json');
  });
});

describe('resolving ids', () => {
  it('rejects a wr. id outside the bundled source and keeps the bundled copy', () => {
    const { sources, user } = setup();
    write(user, 'quick.json', doc('wr.quick-task', { name: 'Impostor' }));
    const catalog = sources.list();
    expect(catalog.entries.find((entry) => entry.id === 'wr.quick-task')?.source.kind).toBe('bundled');
    expect(catalog.validationWarnings).toEqual([
      expect.objectContaining({
        workflowId: 'wr.quick-task',
        sourceKind: 'user',
        shadowsValidCopy: true,
        issues: [expect.objectContaining({ rule: 'workflow-id-reserved' })],
      }),
    ]);
  });

  it('keeps a valid lower-priority copy listed when an invalid file would shadow it', () => {
    const ws = tempDir();
    const { sources, user } = setup();
    write(user, 'demo.json', doc('acme.demo', { name: 'valid user copy' }));
    write(path.join(ws, '.workrail', 'workflows'), 'demo.json', doc('acme.demo', { version: '1.0' }));
    const catalog = sources.list(ws);
    expect(catalog.entries.find((entry) => entry.id === 'acme.demo')?.document.name).toBe('valid user copy');
    expect(catalog.validationWarnings).toEqual([
      expect.objectContaining({ workflowId: 'acme.demo', sourceKind: 'project', shadowsValidCopy: true }),
    ]);
  });

  it('reports an invalid file without a valid copy with shadowsValidCopy false', () => {
    const { sources, user } = setup();
    write(user, 'demo.json', doc('acme.demo', { steps: [] }));
    const catalog = sources.list();
    expect(catalog.entries.some((entry) => entry.id === 'acme.demo')).toBe(false);
    expect(catalog.validationWarnings[0]).toMatchObject({ workflowId: 'acme.demo', shadowsValidCopy: false });
  });

  it('does not report shadowsValidCopy when the listed copy has a higher priority than the invalid file', () => {
    const ws = tempDir();
    const { sources, user } = setup();
    write(user, 'demo.json', doc('acme.demo', { version: '1.0' }));
    write(path.join(ws, '.workrail', 'workflows'), 'demo.json', doc('acme.demo'));
    expect(sources.list(ws).validationWarnings[0]).toMatchObject({ sourceKind: 'user', shadowsValidCopy: false });
  });
});

describe('tags', () => {
  it('takes bundled tags from the catalog, the namespace for namespaced ids and "other" for legacy ids', () => {
    const { sources, user } = setup();
    write(user, 'a.json', doc('acme.deploy'));
    write(user, 'b.json', doc('legacy-flow'));
    const tags = Object.fromEntries(sources.list().entries.map((entry) => [entry.id, entry.tags]));
    expect(tags['wr.mr-review']).toEqual(['review_audit']);
    expect(tags['acme.deploy']).toEqual(['acme']);
    expect(tags['legacy-flow']).toEqual(['other']);
  });
});

describe('caching', () => {
  it('sees an edited file on the next listing', () => {
    const { sources, user } = setup();
    const file = write(user, 'demo.json', doc('acme.demo', { name: 'Before' }));
    expect(sources.get('acme.demo')?.entry.document.name).toBe('Before');
    write(user, 'demo.json', doc('acme.demo', { name: 'After edit' }));
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(sources.get('acme.demo')?.entry.document.name).toBe('After edit');
  });

  it('sees a file that became invalid, and a file that was deleted', () => {
    const { sources, user } = setup();
    const file = write(user, 'demo.json', doc('acme.demo'));
    expect(sources.get('acme.demo')).toBeDefined();
    write(user, 'demo.json', doc('acme.demo', { version: 'one' }));
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(sources.get('acme.demo')).toBeUndefined();
    expect(sources.list().validationWarnings).toHaveLength(1);
    rmSync(file);
    expect(sources.list().validationWarnings).toHaveLength(0);
  });

  it('reuses the compiled workflow of an unchanged file', () => {
    const { sources, user } = setup();
    write(user, 'demo.json', doc('acme.demo'));
    const first = sources.get('acme.demo')?.entry.workflow;
    const second = sources.get('acme.demo')?.entry.workflow;
    expect(first).toBeDefined();
    expect(second).toBe(first);
  });
});

describe('stale directories', () => {
  it('reports a missing WORKFLOW_STORAGE_PATH entry in staleRoots and marks its source stale', () => {
    const missing = path.join(tempDir(), 'gone');
    const { sources } = setup({ storagePaths: [missing] });
    const catalog = sources.list();
    expect(catalog.staleRoots).toEqual([missing]);
    expect(catalog.sources.find((source) => source.path === missing)?.stale).toBe(true);
  });

  it('does not report a missing user directory', () => {
    const { sources } = setup();
    expect(sources.list().staleRoots).toEqual([]);
  });
});

describe('managed sources', () => {
  it('persists attached directories in attach order in managed-sources.json', () => {
    const first = tempDir();
    const second = tempDir();
    const { sources, home } = setup();
    sources.attach(first, 10);
    const outcome = sources.attach(`${second}${path.sep}`, 20);
    expect(outcome).toEqual({
      kind: 'attached',
      sources: [
        { path: first, addedAtMs: 10 },
        { path: second, addedAtMs: 20 },
      ],
    });
    const file = JSON.parse(readFileSync(path.join(home, 'managed-sources.json'), 'utf8'));
    expect(file.sources.map((source: { path: string }) => source.path)).toEqual([first, second]);
  });

  it('changes nothing when attaching twice or detaching an unknown path', () => {
    const dir = tempDir();
    const { sources } = setup();
    sources.attach(dir, 10);
    sources.attach(dir, 20);
    expect(sources.managed()).toEqual([{ path: dir, addedAtMs: 10 }]);
    expect(sources.detach(path.join(dir, 'other'))).toEqual([{ path: dir, addedAtMs: 10 }]);
    expect(sources.detach(dir)).toEqual([]);
  });

  it('refuses to attach a path that is not a directory', () => {
    const { sources } = setup();
    expect(sources.attach(path.join(tempDir(), 'missing'), 10)).toEqual({ kind: 'not_a_directory' });
  });

  it('lists the workflows of an attached directory and marks it stale once deleted', () => {
    const dir = tempDir();
    const { sources } = setup();
    write(dir, 'x.json', doc('acme.managed'));
    sources.attach(dir, 10);
    expect(sources.get('acme.managed')?.entry.source.kind).toBe('custom');
    rmSync(dir, { recursive: true });
    expect(sources.list().staleRoots).toEqual([dir]);
  });
});

describe('remembered roots', () => {
  it('finds .workrail/workflows under a remembered ancestor of the workspace, but not the workspace own', () => {
    const mono = tempDir();
    const ws = path.join(mono, 'packages', 'app');
    mkdirSync(ws, { recursive: true });
    write(path.join(mono, '.workrail', 'workflows'), 'shared.json', doc('acme.shared'));
    write(path.join(mono, 'packages', 'lib', '.workrail', 'workflows'), 'lib.json', doc('acme.lib'));
    write(path.join(ws, '.workrail', 'workflows'), 'own.json', doc('acme.own'));
    const { sources, now } = setup();
    sources.rememberRoot(mono, now.ms);
    const entries = sources.list(ws).entries;
    const kinds = Object.fromEntries(entries.map((entry) => [entry.id, entry.source.kind]));
    expect(kinds).toMatchObject({ 'acme.shared': 'custom', 'acme.lib': 'custom', 'acme.own': 'project' });
  });

  it('finds .workrail/workflows in another worktree of the same git repository', () => {
    const base = tempDir();
    const main = path.join(base, 'main');
    const worktree = path.join(base, 'feature');
    mkdirSync(path.join(main, '.git', 'worktrees', 'feature'), { recursive: true });
    writeFileSync(path.join(main, '.git', 'worktrees', 'feature', 'commondir'), '../..\n');
    mkdirSync(worktree, { recursive: true });
    writeFileSync(path.join(worktree, '.git'), `gitdir: ${path.join(main, '.git', 'worktrees', 'feature')}\n`);
    write(path.join(main, '.workrail', 'workflows'), 'team.json', doc('acme.team'));
    const { sources, now } = setup();
    sources.rememberRoot(main, now.ms);
    expect(sources.get('acme.team', worktree)?.entry.source.kind).toBe('custom');
  });

  it('ignores remembered roots unrelated to the workspace', () => {
    const other = tempDir();
    const ws = tempDir();
    write(path.join(other, '.workrail', 'workflows'), 'x.json', doc('acme.elsewhere'));
    const { sources, now } = setup();
    sources.rememberRoot(other, now.ms);
    expect(sources.get('acme.elsewhere', ws)).toBeUndefined();
  });

  it('forgets roots unseen for 30 days', () => {
    const mono = tempDir();
    const ws = path.join(mono, 'app');
    mkdirSync(ws);
    write(path.join(mono, '.workrail', 'workflows'), 'shared.json', doc('acme.shared'));
    const { sources, now } = setup();
    sources.rememberRoot(mono, now.ms);
    now.ms += 31 * DAY_MS;
    expect(sources.get('acme.shared', ws)).toBeUndefined();
  });

  it('reports a remembered root that no longer exists in staleRoots', () => {
    const gone = path.join(tempDir(), 'gone');
    const { sources, now } = setup();
    sources.rememberRoot(gone, now.ms);
    expect(sources.list(tempDir()).staleRoots).toEqual([gone]);
  });
});

describe('bindings', () => {
  const withSlot = doc('acme.bound', {
    extensionPoints: [{ slotId: 'reviewer', purpose: 'Who reviews.', default: 'wr.mr-review' }],
    steps: [{ id: 'step-one', title: 'One', prompt: 'Ask {{wr.bindings.reviewer}} to review.' }],
  });

  it('compiles with the workspace bindings file, which changes the hash', () => {
    const ws = tempDir();
    const { sources, user } = setup();
    write(user, 'bound.json', withSlot);
    const plain = sources.get('acme.bound', ws);
    write(ws, '.workrail/bindings.json', { 'acme.bound': { reviewer: 'acme.security-review' } });
    const bound = sources.get('acme.bound', ws);
    expect(bound?.compiled.ok && bound.compiled.workflow.bindings).toEqual({ reviewer: 'acme.security-review' });
    expect(plain?.compiled.ok && bound?.compiled.ok).toBe(true);
    if (plain?.compiled.ok && bound?.compiled.ok) {
      expect(bound.compiled.workflow.workflowHash).not.toBe(plain.compiled.workflow.workflowHash);
    }
  });

  it('ignores a malformed bindings file with a BINDINGS_FILE_INVALID warning', () => {
    const ws = tempDir();
    const { sources, user } = setup();
    write(user, 'bound.json', withSlot);
    write(ws, '.workrail/bindings.json', '{ not json');
    const resolved = sources.get('acme.bound', ws);
    expect(resolved?.warnings.map((warning) => warning.code)).toEqual(['BINDINGS_FILE_INVALID']);
    expect(resolved?.compiled.ok && resolved.compiled.workflow.bindings).toEqual({ reviewer: 'wr.mr-review' });
  });
});

describe('references and files', () => {
  it('resolves a reference inside the workspace and refuses one that escapes it', () => {
    const ws = tempDir();
    write(ws, 'docs/style.md', '# Style');
    const { sources } = setup();
    const reference = { id: 'style', title: 'Style', purpose: 'p', authoritative: true };
    expect(sources.resolveReference({ ...reference, source: 'docs/style.md' }, ws)).toBe(
      path.join(ws, 'docs/style.md'),
    );
    expect(sources.resolveReference({ ...reference, source: '../outside.md' }, ws)).toBeNull();
    expect(sources.resolveReference({ ...reference, source: 'docs/missing.md' }, ws)).toBeNull();
  });

  it('expands directories to their JSON files and reports missing paths', () => {
    const dir = tempDir();
    write(dir, 'a.json', {});
    write(dir, 'nested/b.json', {});
    write(dir, 'notes.txt', 'x');
    const result = collectJsonFiles([dir, path.join(dir, 'missing.json')]);
    expect(result.files).toEqual([path.join(dir, 'a.json'), path.join(dir, 'nested', 'b.json')]);
    expect(result.missing).toEqual([path.join(dir, 'missing.json')]);
  });
});
