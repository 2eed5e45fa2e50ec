// The API client: every response is parsed with the server's own zod schemas (docs/console.md §4).
import type { z } from 'zod';
import {
  envelopeOf,
  NodeDetailSchema,
  SessionDetailSchema,
  SessionListSchema,
  WorkflowCatalogSchema,
  WorkflowDetailSchema,
} from '../../src/http/schemas.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

async function get<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
  const response = await fetch(`/api/v2${path}`, { headers: { Accept: 'application/json' } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body ?? {}) as { error?: string; code?: string };
    throw new ApiError(error.error ?? `HTTP ${response.status}`, response.status, error.code ?? 'HTTP_ERROR');
  }
  return (envelopeOf(schema).parse(body) as { data: z.infer<T> }).data;
}

export const api = {
  sessions: (query: string) => get(`/sessions${query}`, SessionListSchema),
  session: (id: string) => get(`/sessions/${encodeURIComponent(id)}`, SessionDetailSchema),
  node: (id: string, nodeId: string) =>
    get(`/sessions/${encodeURIComponent(id)}/nodes/${encodeURIComponent(nodeId)}`, NodeDetailSchema),
  workflows: () => get('/workflows', WorkflowCatalogSchema),
  workflow: (id: string) => get(`/workflows/${encodeURIComponent(id)}`, WorkflowDetailSchema),
};
