// The workflow catalogue (docs/console.md §3.3): cards with source attribution, and an Invalid group listing each
// failing file with its errors.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.js';
import { link } from '../App.js';
import { BASE } from '../router.js';

export function WorkflowsView() {
  const catalog = useQuery({ queryKey: ['workflows'], queryFn: api.workflows });
  const [filter, setFilter] = useState('');
  if (catalog.isError) return <section className="panel error-text">Could not load workflows: {catalog.error.message}</section>;
  if (catalog.data === undefined) return <section className="panel">Loading…</section>;
  const wanted = filter.trim().toLowerCase();
  const workflows = catalog.data.workflows.filter(
    (w) => wanted === '' || `${w.id} ${w.name} ${w.description} ${w.tags.join(' ')}`.toLowerCase().includes(wanted),
  );
  return (
    <section className="panel">
      <div className="toolbar">
        <h1>Workflows</h1>
        <input
          type="search"
          aria-label="Filter workflows"
          placeholder="Filter by name, id or tag"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
      </div>
      <div className="cards">
        {workflows.map((workflow) => {
          const href = `${BASE}/workflows/${encodeURIComponent(workflow.id)}`;
          return (
            <a key={workflow.id} className="card" href={href} onClick={link(href)} data-testid="workflow-card">
              <div className="card-title">{workflow.name}</div>
              <div className="mono muted small">
                {workflow.id} · v{workflow.version}
              </div>
              <p>{workflow.description}</p>
              <div className="card-foot">
                <span className="chip muted" data-testid="workflow-source">
                  {workflow.source.label}
                </span>
                <span className="muted small">{workflow.stepCount} steps</span>
                {workflow.tags.map((tag) => (
                  <span key={tag} className="tag">
                    {tag}
                  </span>
                ))}
              </div>
            </a>
          );
        })}
      </div>
      {catalog.data.invalid.length > 0 && (
        <section className="invalid" aria-label="Invalid workflows">
          <h2>
            <span aria-hidden="true">⚠</span> Invalid ({catalog.data.invalid.length})
          </h2>
          {catalog.data.invalid.map((file) => (
            <div key={file.file} className="card invalid-card" data-testid="invalid-workflow">
              <div className="card-title">{file.workflowId ?? 'unknown id'}</div>
              <div className="mono small">{file.file}</div>
              <ul>
                {file.errors.map((error) => (
                  <li key={`${error.pointer}-${error.message}`}>
                    <span className="mono">{error.pointer || '/'}</span>: {error.message}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      )}
    </section>
  );
}
