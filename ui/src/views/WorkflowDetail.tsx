// Workflow detail (docs/console.md §3.3): about (Markdown), examples, preconditions and the compiled outline.
import { useQuery } from '@tanstack/react-query';
import Markdown from 'react-markdown';
import type { OutlineStep } from '../../../src/http/schemas.js';
import { api } from '../api.js';
import { link } from '../App.js';
import { BASE } from '../router.js';

export function WorkflowDetailView({ workflowId }: { workflowId: string }) {
  const workflow = useQuery({ queryKey: ['workflow', workflowId], queryFn: () => api.workflow(workflowId) });
  const back = (
    <a href={`${BASE}/workflows`} onClick={link(`${BASE}/workflows`)} className="back">
      ← Workflows
    </a>
  );
  if (workflow.isError) return <section className="panel">{back}<p className="error-text">{workflow.error.message}</p></section>;
  if (workflow.data === undefined) return <section className="panel">Loading…</section>;
  const data = workflow.data;
  const sessionsHref = `${BASE}/?workflowId=${encodeURIComponent(data.id)}`;
  return (
    <section className="panel">
      {back}
      <h1>{data.name}</h1>
      <div className="meta">
        <span className="mono">{data.id}</span> <span>v{data.version}</span>
        <span className="chip muted">{data.source.label}</span>
        {data.source.location !== null && <span className="mono muted small">{data.source.location}</span>}
        <a href={sessionsHref} onClick={link(sessionsHref)}>
          Sessions of this workflow
        </a>
      </div>
      <p>{data.description}</p>
      {data.about !== null && (
        <div className="markdown">
          <Markdown skipHtml>{data.about}</Markdown>
        </div>
      )}
      {data.preconditions.length > 0 && (
        <>
          <h2>Preconditions</h2>
          <ul>
            {data.preconditions.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </>
      )}
      {data.examples.length > 0 && (
        <>
          <h2>Examples</h2>
          <ul>
            {data.examples.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </>
      )}
      <h2>Outline</h2>
      <Outline steps={data.outline} />
    </section>
  );
}

function Outline({ steps }: { steps: readonly OutlineStep[] }) {
  return (
    <ol className="outline">
      {steps.map((step) => (
        <li key={step.stepId} data-testid="outline-step">
          <strong>{step.title}</strong> <span className="mono muted small">{step.stepId}</span>
          {step.runCondition !== null && <span className="chip warning">runs when {step.runCondition}</span>}
          {step.loop !== null && (
            <span className="chip live">
              ↻ {step.loop.type} {step.loop.detail ?? ''} (max {step.loop.maxIterations})
            </span>
          )}
          {step.body.length > 0 && <Outline steps={step.body} />}
        </li>
      ))}
    </ol>
  );
}
