import { describe, expect, it } from 'vitest';
import { commitHeader } from '../../../src/daemon/delivery/commit.js';
import { parseRemoteUrl, resolveForge } from '../../../src/daemon/delivery/forge.js';

describe('parseRemoteUrl', () => {
  it.each([
    ['git@github.com:acme/widgets.git', { host: 'github.com', path: 'acme/widgets' }],
    ['https://github.com/acme/widgets.git', { host: 'github.com', path: 'acme/widgets' }],
    ['https://x-access-token:tok@github.com/acme/widgets', { host: 'github.com', path: 'acme/widgets' }],
    ['ssh://git@gitlab.example.com:2222/group/sub/proj.git', { host: 'gitlab.example.com', path: 'group/sub/proj' }],
    ['/tmp/origin.git', null],
    ['file:///tmp/origin.git', null],
  ])('%s', (url, expected) => {
    expect(parseRemoteUrl(url)).toEqual(expected);
  });
});

describe('resolveForge', () => {
  it('detects GitHub from the origin URL with GITHUB_API_URL and GITHUB_TOKEN', () => {
    const result = resolveForge({
      forge: {},
      originUrl: 'git@github.com:acme/widgets.git',
      env: { GITHUB_API_URL: 'http://127.0.0.1:9/', GH_TOKEN: 'gh-token' },
    });
    expect(result).toEqual({
      ok: true,
      target: { kind: 'github', repo: 'acme/widgets', apiBaseUrl: 'http://127.0.0.1:9', token: 'gh-token' },
    });
  });

  it('detects GitLab from the host of GITLAB_BASE_URL, a gitlab_poll baseUrl or a gitlab host name', () => {
    const env = { GITLAB_BASE_URL: 'https://code.acme.io', GITLAB_TOKEN: 'gl' };
    const byEnv = resolveForge({ forge: {}, originUrl: 'https://code.acme.io/g/p.git', env });
    expect(byEnv).toMatchObject({
      ok: true,
      target: { kind: 'gitlab', repo: 'g/p', apiBaseUrl: 'https://code.acme.io' },
    });
    const byPoll = resolveForge({
      forge: {},
      originUrl: 'git@scm.corp:g/p.git',
      env: { GITLAB_TOKEN: 'gl' },
      gitlabBaseUrl: 'https://scm.corp/',
    });
    expect(byPoll).toMatchObject({ ok: true, target: { kind: 'gitlab', apiBaseUrl: 'https://scm.corp' } });
    const byName = resolveForge({ forge: {}, originUrl: 'git@gitlab.corp:g/p.git', env: { GITLAB_TOKEN: 'gl' } });
    expect(byName).toMatchObject({ ok: true, target: { kind: 'gitlab', apiBaseUrl: 'https://gitlab.com' } });
  });

  it('prefers forge.kind, forge.repo, forge.apiBaseUrl and forge.token, and strips /api/v4', () => {
    const result = resolveForge({
      forge: { kind: 'gitlab', repo: '42', apiBaseUrl: 'http://127.0.0.1:1/api/v4', token: 'own' },
      originUrl: 'git@github.com:acme/widgets.git',
      env: { GITLAB_TOKEN: 'env' },
    });
    expect(result).toEqual({
      ok: true,
      target: { kind: 'gitlab', repo: '42', apiBaseUrl: 'http://127.0.0.1:1', token: 'own' },
    });
  });

  it('fails precisely, without credentials from the origin URL', () => {
    const unknown = resolveForge({ forge: {}, originUrl: 'https://user:pw-secret@code.example/a/b', env: {} });
    expect(unknown).toEqual({
      ok: false,
      error: 'cannot tell the forge from origin https://code.example/a/b; set forge.kind and forge.repo',
    });
    const noRepo = resolveForge({ forge: { kind: 'github' }, originUrl: '/tmp/origin.git', env: {} });
    expect(noRepo).toMatchObject({ ok: false, error: expect.stringContaining('set forge.repo') });
    const noToken = resolveForge({ forge: { kind: 'gitlab', repo: 'g/p' }, originUrl: null, env: {} });
    expect(noToken).toEqual({ ok: false, error: 'no GitLab token: set forge.token or GITLAB_TOKEN' });
  });
});

describe('commitHeader', () => {
  it.each([
    [{ commitType: 'feat', commitScope: 'api', commitSubject: 'add x' }, 'feat(api): add x'],
    [{ commitType: 'fix', commitScope: ' ', commitSubject: 'stop y' }, 'fix: stop y'],
    [{ commitType: 'fix', commitScope: 'api', commitSubject: 'fix(core): already whole' }, 'fix(core): already whole'],
  ])('%j → %s', (handoff, header) => {
    expect(commitHeader(handoff)).toBe(header);
  });
});
