// The tag catalog shipped with the server (docs: workflow-format.md §11.4). Tags are not part of a document:
// this table maps bundled workflow ids to tags; any other id gets its namespace (or `other`) as a virtual tag.

export interface TagDefinition {
  readonly id: string;
  readonly displayName: string;
  readonly when: readonly string[];
  readonly examples: readonly string[];
}

export const TAG_CATALOG: readonly TagDefinition[] = [
  {
    id: 'coding',
    displayName: 'Coding',
    when: ['You are asked to implement, change or refactor code.', 'A task needs a plan, the change and a check.'],
    examples: ['Add a retry option to the HTTP client', 'Rename the config loader and update its callers'],
  },
  {
    id: 'review_audit',
    displayName: 'Review and audit',
    when: ['You are asked to review a merge request, a diff or a design.', 'You need a verdict with findings.'],
    examples: ['Review MR !482 before it merges', 'Audit the auth module for risky changes'],
  },
  {
    id: 'investigation',
    displayName: 'Investigation',
    when: ['Something is broken and the cause is unknown.', 'You need evidence before proposing a fix.'],
    examples: ['Find out why the nightly export times out', 'Investigate the flaky login test'],
  },
  {
    id: 'design',
    displayName: 'Design',
    when: ['You must choose between approaches before building.', 'A change needs a written design.'],
    examples: ['Design the caching layer for the catalog API'],
  },
  {
    id: 'documentation',
    displayName: 'Documentation',
    when: ['You are asked to write or update docs, READMEs or guides.'],
    examples: ['Document the configuration variables'],
  },
  {
    id: 'tickets',
    displayName: 'Tickets',
    when: ['You need to write, split or triage tickets.'],
    examples: ['Break the migration epic into tickets'],
  },
  {
    id: 'learning',
    displayName: 'Learning',
    when: ['You need to understand an unfamiliar codebase, library or concept.'],
    examples: ['Explain how the session store handles locking'],
  },
  {
    id: 'routines',
    displayName: 'Routines',
    when: ['You want a small reusable procedure, usually called from other workflows.'],
    examples: ['Self-review a change before handing it over'],
  },
  {
    id: 'authoring',
    displayName: 'Workflow authoring',
    when: ['You are writing or fixing a WorkRail workflow.'],
    examples: ['Create a workflow for our release checklist'],
  },
];

/** Tags of the bundled workflows, by workflow id. */
export const BUNDLED_WORKFLOW_TAGS: { readonly [workflowId: string]: readonly string[] } = {
  'wr.coding-task': ['coding'],
  'wr.quick-task': ['coding'],
  'wr.classify-task': ['coding', 'tickets'],
  'wr.refactoring': ['coding'],
  'wr.test-generation': ['coding'],
  'wr.bug-investigation': ['investigation', 'coding'],
  'wr.mr-review': ['review_audit'],
  'wr.architecture-audit': ['review_audit', 'design'],
  'wr.discovery': ['design', 'investigation', 'learning'],
  'wr.shaping': ['design', 'tickets'],
  'wr.documentation': ['documentation'],
  'wr.workflow-authoring': ['authoring'],
  'wr.routine-classify': ['routines', 'tickets'],
  'wr.routine-gather-context': ['routines', 'learning'],
  'wr.routine-self-review': ['routines', 'review_audit'],
  'wr.routine-verify-changes': ['routines', 'coding'],
};

/** Tag ids for a workflow: the catalog's, else its namespace (`acme` for `acme.deploy`), else `other`. */
export function tagsForWorkflow(workflowId: string): readonly string[] {
  const mapped = BUNDLED_WORKFLOW_TAGS[workflowId];
  if (mapped !== undefined) return mapped;
  const dot = workflowId.indexOf('.');
  return dot > 0 ? [workflowId.slice(0, dot)] : ['other'];
}
