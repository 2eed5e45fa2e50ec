import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.js';

const defaults = { homeDir: '/home/fallback', bundledDir: '/pkg/workflows' };

describe('configuration', () => {
  it('puts WORKRAIL_HOME under $HOME/.workrail by default and includes every source', () => {
    const config = loadConfig({ HOME: '/home/ada' }, defaults);
    expect(config.workrailHome).toBe(path.resolve('/home/ada/.workrail'));
    expect(config.workflows).toMatchObject({ includeBundled: true, includeUser: true, includeProject: true });
    expect(config.workflows.storagePaths).toEqual([]);
  });

  it('honours WORKRAIL_HOME and falls back to the OS home directory without HOME', () => {
    expect(loadConfig({ WORKRAIL_HOME: '/data/wr' }, defaults).workrailHome).toBe(path.resolve('/data/wr'));
    expect(loadConfig({}, defaults).workrailHome).toBe(path.resolve('/home/fallback/.workrail'));
  });

  it('turns sources off with false, 0, no or off', () => {
    const config = loadConfig(
      { WORKFLOW_INCLUDE_BUNDLED: 'false', WORKFLOW_INCLUDE_USER: '0', WORKFLOW_INCLUDE_PROJECT: 'OFF' },
      defaults,
    );
    expect(config.workflows).toMatchObject({ includeBundled: false, includeUser: false, includeProject: false });
  });

  it('splits WORKFLOW_STORAGE_PATH on the platform delimiter, dropping empty entries', () => {
    const env = { WORKFLOW_STORAGE_PATH: ['/a', '', '/b'].join(path.delimiter) };
    expect(loadConfig(env, defaults).workflows.storagePaths).toEqual([path.resolve('/a'), path.resolve('/b')]);
  });
});
