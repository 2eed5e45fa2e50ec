// The bundled library as the files on disk declare it, so tests follow the library as it grows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundledWorkflowsDir, findJsonFiles } from '../../src/workflow/sources.js';
import { tagsForWorkflow } from '../../src/workflow/tags.js';

interface BundledDocument {
  readonly id: string;
  readonly version: string;
}

export function bundledDocuments(): BundledDocument[] {
  const dir = bundledWorkflowsDir();
  return findJsonFiles(dir).map((relPath) => JSON.parse(readFileSync(path.join(dir, relPath), 'utf8')));
}

/** The bundled workflow ids that the tag table gives `tag`, sorted. */
export function bundledIdsTagged(tag: string): string[] {
  return bundledDocuments()
    .map((document) => document.id)
    .filter((id) => tagsForWorkflow(id).includes(tag))
    .sort();
}
