import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

// The config is CommonJS so dependency-cruiser's own CLI can read it too.
const { createRequire } = await import('node:module');
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs');

describe('architecture', () => {
  it('keeps the dependency direction of DESIGN.md', async () => {
    const result = await cruise(['src'], { ruleSet: config, validate: true, tsConfig: { fileName: 'tsconfig.json' } });
    const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    const violations = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(violations).toEqual([]);
  });

  it('detects a violation when the pure core imports Node I/O', async () => {
    const result = await cruise(['test/fixtures/architecture'], {
      ruleSet: {
        forbidden: config.forbidden.map((r: { from: { path?: string } }) => ({
          ...r,
          from: { ...r.from, path: r.from.path?.replace('^src/', '^test/fixtures/architecture/src/') },
        })),
      },
      validate: true,
    });
    const output = result.output as { summary: { violations: { rule: { name: string } }[] } };
    expect(output.summary.violations.map((v) => v.rule.name)).toContain('pure-core-no-node-io');
  });
});
