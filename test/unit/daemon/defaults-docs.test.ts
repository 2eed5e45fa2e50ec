import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  renderDefaultsTable,
  WORKTRAIN_DOCS_PATH,
  withDefaultsTable,
} from '../../../scripts/generate-worktrain-defaults.js';
import { DEFAULTS } from '../../../src/daemon/defaults.js';

describe('docs/worktrain.md defaults table', () => {
  it('is the generator output for src/daemon/defaults.ts (regenerate with scripts/generate-worktrain-defaults.ts)', () => {
    const page = readFileSync(WORKTRAIN_DOCS_PATH, 'utf8');
    expect(withDefaultsTable(page)).toBe(page);
  });

  it('quotes every default with its value', () => {
    const table = renderDefaultsTable();
    for (const [key, value] of Object.entries(DEFAULTS)) {
      expect(table).toContain(`| \`${key}\` | \`${JSON.stringify(value)}\` |`);
    }
  });
});
